/**
 * One LSP session on one connection (a socket from `contextd lsp`, or an
 * editor dialing lsp.sock): assembles the features, each in its own module.
 *
 * Built on vscode-languageserver's protocol-agnostic `createConnection` with our
 * own watchdog: the `/node` flavour calls process.exit() on `exit` and when its
 * input ends, which in a daemon serving many sessions would end them all.
 */
import type { Readable, Writable } from 'node:stream';
import { createConnection as createServerConnection } from 'vscode-languageserver';
import {
  createProtocolConnection,
  DefinitionRequest,
  DidChangeConfigurationNotification,
  DidChangeWorkspaceFoldersNotification,
  ErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WatchDog,
  type WorkspaceFoldersChangeEvent,
} from 'vscode-languageserver/node';
import { findRepoRoot } from '../daemon/repo/git.js';
import { errorMessage } from '../daemon/errors.js';
import { VERSION } from '../daemon/version.js';
import { DEFAULT_LSP_SETTINGS, mergeSettings, type LspContext, type LspSettings } from './context.js';
import { definition } from './definition.js';
import { codeLenses, implementations, incomingCalls, outgoingCalls, prepareCallHierarchy, references, resolveCodeLens } from './graph.js';
import { documentSymbols } from './document-symbol.js';
import { Documents } from './documents.js';
import { engineHistorySource, type HistorySource } from './history-source.js';
import { hover } from './hover.js';
import { IndexProgress } from './progress.js';
import { runSearch, SEARCH_COMMAND, SEARCH_REQUEST } from './search-command.js';
import { LOCATE_COMMAND, LOCATE_REQUEST, runLocate } from './locate-command.js';
import { SafeMessageReader, SocketMessageWriter } from './transport.js';
import { uriToPath, Workspace } from './workspace.js';
import { workspaceSymbols } from './workspace-symbol.js';

export interface LspSessionOptions {
  /** Working directory of the `contextd lsp` bridge, used when the editor names no workspace folder. */
  cwd?: string | null;
  /** Bytes already read from the input (after a bridge header line). */
  initialBytes?: Buffer;
  /** Replaces the engine's history (tests). */
  history?: HistorySource;
  /** Called once when the session is over (exit, or the connection closed). */
  onClose?: () => void;
}

export interface LspSession {
  connection: Connection;
  /** Resolves when the session has ended. */
  closed: Promise<void>;
  /** Ends the session (the daemon is stopping). */
  dispose(): void;
}

export function createLspSession(input: Readable & { destroy?: () => void }, output: Writable, ctx: LspContext, opts: LspSessionOptions = {}): LspSession {
  const writer = new SocketMessageWriter(output);
  const reader = new SafeMessageReader(input, {
    reply: (msg) => void writer.write(msg),
    onRefused: (reason) => ctx.log.debug({ reason }, 'lsp: message refused'),
  });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    progress?.stop();
    try {
      connection.dispose();
    } catch {
      // already disposed
    }
    output.end();
    input.destroy?.();
    opts.onClose?.();
    resolveClosed();
  };
  const watchDog: WatchDog = {
    shutdownReceived: false,
    initialize: () => {},
    // `exit` ends this session only (never the daemon).
    exit: () => setImmediate(end),
  };
  const connection = createServerConnection((logger) => createProtocolConnection(reader, writer, logger), watchDog);
  if (opts.initialBytes?.length) reader.push(opts.initialBytes);

  const workspace = new Workspace(ctx.engine);
  const documents = new Documents(ctx);
  const history = opts.history ?? engineHistorySource(ctx.engine);
  let progress: IndexProgress | null = null;
  let settings: LspSettings = { ...DEFAULT_LSP_SETTINGS, ...ctx.settings };
  let clientParams: InitializeParams | null = null;
  let definitionRegistered = false;
  let definitionRegistration: Promise<{ dispose(): void }> | null = null;

  const syncDefinitionRegistration = () => {
    // Dynamic registration lets a setting turn the definition fallback on or off mid-session.
    const dynamic = clientParams?.capabilities.textDocument?.definition?.dynamicRegistration === true;
    if (!dynamic) return;
    const want = settings.definitionFallback !== false;
    if (want && !definitionRegistered) {
      definitionRegistered = true;
      const registration = connection.client.register(DefinitionRequest.type, { documentSelector: null });
      definitionRegistration = registration;
      registration.catch(() => {
        definitionRegistered = false;
        definitionRegistration = null;
      });
    } else if (!want && definitionRegistered && definitionRegistration) {
      definitionRegistered = false;
      void definitionRegistration.then((d) => d.dispose()).catch(() => {});
      definitionRegistration = null;
    }
  };

  connection.onInitialize((params): InitializeResult => {
    const bad = malformedInitialize(params);
    if (bad) throw new ResponseError(ErrorCodes.InvalidParams, `Invalid params: ${bad}`);
    params.capabilities ??= {}; // required by the spec, left out by sloppy clients
    clientParams = params;
    settings = mergeSettings(settings, params.initializationOptions);
    const folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (!folders.length && params.rootUri) {
      const root = uriToPath(params.rootUri);
      if (root) folders.push(root);
    }
    if (!folders.length && params.rootPath) folders.push(params.rootPath);
    if (!folders.length && opts.cwd) folders.push(opts.cwd);
    workspace.setFolders(folders);
    const staticDefinition = settings.definitionFallback !== false && params.capabilities.textDocument?.definition?.dynamicRegistration !== true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        workspaceSymbolProvider: true,
        documentSymbolProvider: { label: 'contextd' },
        hoverProvider: true,
        definitionProvider: staticDefinition,
        referencesProvider: true,
        callHierarchyProvider: true,
        implementationProvider: true,
        codeLensProvider: { resolveProvider: true },
        executeCommandProvider: { commands: [SEARCH_COMMAND, LOCATE_COMMAND] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'contextd', version: VERSION },
    };
  });

  const registerFolders = async (folders: readonly string[]) => {
    for (const folder of folders) {
      let root: string;
      try {
        root = await findRepoRoot(folder);
      } catch {
        continue; // not a git work tree: repositories inside it are found by Workspace.repos()
      }
      workspace.setGitRoot(folder, root);
      let repo = await ctx.engine.repos.getRepo(root);
      if (!repo?.registered) {
        if (!settings.autoRegister) {
          connection.console.info(`contextd: ${root} is not registered (autoRegister is off); run: contextd add ${JSON.stringify(root)}`);
          continue;
        }
        try {
          await ctx.registerRepo(root);
          repo = await ctx.engine.repos.getRepo(root);
          connection.console.info(`contextd: registered ${root}`);
        } catch (err) {
          connection.console.warn(`contextd: cannot register ${root}: ${errorMessage(err)}`);
          continue;
        }
      }
      if (repo && progress) void progress.follow(root, repo.name).catch((err) => ctx.log.warn({ err: errorMessage(err) }, 'lsp: progress failed'));
    }
  };

  const pullConfiguration = async () => {
    if (!clientParams?.capabilities.workspace?.configuration) return;
    try {
      const [section] = await connection.workspace.getConfiguration([{ section: 'contextd' }]);
      settings = mergeSettings(settings, section);
      syncDefinitionRegistration();
    } catch {
      // the client could not answer: keep what we have
    }
  };

  connection.onInitialized(() => {
    progress = new IndexProgress(connection, ctx);
    if (clientParams?.capabilities.workspace?.workspaceFolders) connection.workspace.onDidChangeWorkspaceFolders(onFoldersChanged);
    if (clientParams?.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'contextd' }).catch(() => {});
    }
    void (async () => {
      await pullConfiguration();
      syncDefinitionRegistration();
      await registerFolders(workspace.folderPaths);
    })().catch((err) => ctx.log.warn({ err: errorMessage(err) }, 'lsp: workspace setup failed'));
  });

  connection.onDidChangeConfiguration((params) => {
    const s = (params.settings as Record<string, unknown> | null | undefined)?.contextd;
    if (s !== undefined) {
      settings = mergeSettings(settings, s);
      syncDefinitionRegistration();
    } else void pullConfiguration();
  });

  const onFoldersChanged = (event: WorkspaceFoldersChangeEvent | undefined) => {
    const paths = (l?: { uri: string }[]) => (l ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    const added = paths(event?.added);
    workspace.addFolders(added, paths(event?.removed));
    void registerFolders(added).catch((err) => ctx.log.warn({ err: errorMessage(err) }, 'lsp: cannot register added folders'));
  };
  // Clients that declare workspaceFolders get the library's own handler for this notification
  // (installed during initialize): listen through it then; other clients may still send it.
  connection.onNotification(DidChangeWorkspaceFoldersNotification.type, (params) => onFoldersChanged(params?.event));

  documents.listen(connection);

  connection.onWorkspaceSymbol(async (params, token, _workDone, partial) =>
    workspaceSymbols(ctx.engine, params, { repos: await workspace.repos(), limit: settings.workspaceSymbolLimit, token, partial }),
  );

  connection.onDocumentSymbol(async (params) => {
    const doc = await documents.text(params.textDocument.uri);
    if (!doc) {
      if (await documents.missing(params.textDocument.uri))
        throw new ResponseError(ErrorCodes.InvalidParams, `cannot read ${params.textDocument.uri}: no such file; open it first or check the path`);
      // Outside the indexed repositories, a secret, a hard link out: nothing to show, nothing said.
      return [];
    }
    const parsed = await documents.parse(doc);
    return parsed ? documentSymbols(parsed.symbols, doc.text) : [];
  });

  connection.onHover((params) => hover({ documents, workspace, history }, params));

  connection.onDefinition((params) => {
    const path = uriToPath(params.textDocument.uri);
    if (!path || settings.definitionFallback === false) return null;
    return definition({ engine: ctx.engine, documents, workspace, settings: () => settings }, params);
  });

  // The code graph (lsp/graph.ts).
  const graph = { engine: ctx.engine, workspace };
  connection.onReferences((params) => references(graph, params.textDocument.uri, params.position, params.context?.includeDeclaration === true));
  connection.onImplementation((params) => implementations(graph, params.textDocument.uri, params.position));
  connection.languages.callHierarchy.onPrepare((params) => prepareCallHierarchy(graph, params.textDocument.uri, params.position));
  connection.languages.callHierarchy.onIncomingCalls((params) => incomingCalls(graph, params.item));
  connection.languages.callHierarchy.onOutgoingCalls((params) => outgoingCalls(graph, params.item));
  connection.onCodeLens((params) => codeLenses(graph, params.textDocument.uri));
  connection.onCodeLensResolve((lens) => resolveCodeLens(graph, lens));

  const search = async (args: unknown) =>
    runSearch(ctx.engine, args, await workspace.repos(), ctx.engine.config.search.defaultLimit, ctx.freshness ? (root) => ctx.freshness!(root) : undefined);
  const locate = async (args: unknown) => runLocate(ctx.engine, args, await workspace.repos());
  connection.onExecuteCommand(async (params) => {
    if (params.command === LOCATE_COMMAND) return locate(params.arguments ?? []);
    if (params.command !== SEARCH_COMMAND)
      throw new ResponseError(ErrorCodes.InvalidParams, `unknown command ${params.command}; contextd offers ${SEARCH_COMMAND}, ${LOCATE_COMMAND}`);
    return search(params.arguments ?? []);
  });
  connection.onRequest(SEARCH_REQUEST, (params: unknown) => search(params));
  connection.onRequest(LOCATE_REQUEST, (params: unknown) => locate(params));

  connection.onShutdown(() => {
    progress?.stop();
  });
  connection.onExit(() => {});
  input.on('close', () => end());

  connection.listen();
  return { connection, closed, dispose: end };
}

/** What is wrong with an `initialize` request's workspace fields, or null (the rest is checked where it is used). */
function malformedInitialize(params: unknown): string | null {
  const p = (params ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || Array.isArray(p)) return 'initialize params must be an object';
  const folders = p.workspaceFolders;
  if (folders !== undefined && folders !== null) {
    if (!Array.isArray(folders)) return '"workspaceFolders" must be an array of {uri, name} or null';
    for (const f of folders) {
      if (!f || typeof f !== 'object' || typeof (f as { uri?: unknown }).uri !== 'string') return 'every workspace folder needs a string "uri"';
    }
  }
  if (p.rootUri !== undefined && p.rootUri !== null && typeof p.rootUri !== 'string') return '"rootUri" must be a string or null';
  if (p.rootPath !== undefined && p.rootPath !== null && typeof p.rootPath !== 'string') return '"rootPath" must be a string or null';
  if (p.capabilities !== undefined && (p.capabilities === null || typeof p.capabilities !== 'object')) return '"capabilities" must be an object';
  return null;
}
