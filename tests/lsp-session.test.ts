/**
 * LSP sessions in-process, on a real Engine over real git repositories: every
 * chunker language through workspace/symbol, ranking, unsaved buffers
 * (documentSymbol and hover line mapping, nothing written to disk), the
 * definition fallback, partial results and request errors.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { parseFile } from '../daemon/lang/chunker.js';
import { hasStructuredChunker, languageForPath } from '../daemon/lang/languages.js';
import type { SymbolInfo } from '../daemon/lang/types.js';
import { findRepoRoot } from '../daemon/repo/git.js';
import { buildFixture } from '../fixtures/repos.js';
import { buildRepo, fixtureGit } from '../fixtures/repo-builder.js';
import { DEFAULT_LSP_SETTINGS, type LspContext } from '../lsp/context.js';
import { createLspSession } from '../lsp/session.js';
import { lspSymbolKind } from '../lsp/symbol-kinds.js';
import { isolatedEnv, REPO_ROOT, tempDir } from './helpers/cli.js';
import { uri } from './helpers/lsp-client.js';
import { eventually } from './helpers/daemon.js';

interface SymbolInformation {
  name: string;
  kind: number;
  containerName?: string;
  location: { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } };
}
interface DocumentSymbol {
  name: string;
  kind: number;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  selectionRange: { start: { line: number; character: number }; end: { line: number; character: number } };
  children?: DocumentSymbol[];
}

const quiet = { debug() {}, info() {}, warn() {} };

async function openEngine(t: Tap.Test) {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const config = loadConfig(env);
  const engine = await Engine.open(config);
  t.teardown(() => engine.close());
  return { dir, engine, config };
}

/** A session on in-memory streams and a client connection to it. */
function session(t: Tap.Test, engine: Engine, overrides: Partial<LspContext> = {}) {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const registered: string[] = [];
  const ctx: LspContext = {
    engine,
    settings: DEFAULT_LSP_SETTINGS,
    registerRepo: async (path) => {
      const root = await findRepoRoot(path);
      const repo = await engine.store.ensureRepo(root, root);
      await engine.store.updateRepo(repo.id, { registered: true });
      registered.push(root);
      return { root };
    },
    status: async () => ({ repos: [] }),
    parse: (path, text, language) => parseFile(path, text, language),
    log: quiet,
    ...overrides,
  };
  const s = createLspSession(toServer, toClient, ctx);
  const conn = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const progress: { token: unknown; value: unknown }[] = [];
  conn.onNotification('$/progress', (p: { token: unknown; value: unknown }) => progress.push(p));
  conn.onRequest('workspace/configuration', () => [null]);
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  t.teardown(() => {
    conn.dispose();
    s.dispose();
  });
  const init = (folders: string[], extra: Record<string, unknown> = {}) =>
    conn
      .sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
        processId: null,
        rootUri: null,
        workspaceFolders: folders.map((f) => ({ uri: uri(f), name: 'w' })),
        capabilities: {},
        ...extra,
      })
      .then(async (r) => {
        await conn.sendNotification('initialized', {});
        return r;
      });
  return { conn, init, registered, progress, session: s };
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

t.test('workspace/symbol finds a symbol of every chunker language, with LSP ranges, kinds and containers', async (t) => {
  const { dir, engine } = await openEngine(t);
  const samplesDir = join(REPO_ROOT, 'fixtures', 'samples');
  const samples = files(samplesDir).map((p) => ({ rel: relative(samplesDir, p), text: readFileSync(p, 'utf8') }));
  const repo = join(dir, 'samples');
  await buildRepo(repo, {
    steps: [
      {
        type: 'commit',
        author: { name: 'S', email: 's@example.com' },
        date: '2024-01-01T00:00:00Z',
        subject: 'samples',
        ops: samples.map((s) => ({ op: 'write' as const, path: s.rel, content: s.text })),
      },
    ],
  });
  await engine.index(repo);
  const { conn, init } = session(t, engine);
  await init([repo]);

  const parsed: { rel: string; language: string; symbols: SymbolInfo[] }[] = [];
  for (const s of samples) {
    const language = languageForPath(s.rel, s.text.slice(0, 512));
    if (!language || !hasStructuredChunker(language)) continue;
    parsed.push({ rel: s.rel, language, symbols: (await parseFile(s.rel, s.text, language)).symbols });
  }
  const count = new Map<string, number>();
  for (const p of parsed) for (const s of p.symbols) count.set(s.name, (count.get(s.name) ?? 0) + 1);
  const languages = new Set<string>();
  for (const p of parsed) {
    // A name defined once in the whole repository, preferably nested (so containerName shows).
    const pick =
      p.symbols.find((s) => count.get(s.name) === 1 && s.container && s.name.length > 2) ?? p.symbols.find((s) => count.get(s.name) === 1 && s.name.length > 2);
    if (!pick) {
      t.fail(`${p.rel}: no unique symbol to look for`);
      continue;
    }
    const res = await conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: pick.name });
    const hit = res[0];
    t.ok(hit, `${p.language}: ${pick.name} found`);
    if (!hit) continue;
    t.same(
      hit,
      {
        name: pick.name,
        kind: lspSymbolKind(pick.kind),
        location: {
          uri: uri(join(repo, p.rel)),
          range: {
            start: { line: pick.nameLine - 1, character: pick.nameColumn },
            end: { line: pick.nameLine - 1, character: pick.nameColumn + pick.name.length },
          },
        },
        ...(pick.container ? { containerName: pick.container } : {}),
      },
      `${p.language}: ${pick.kind} ${pick.container ?? ''}::${pick.name} at its name`,
    );
    // The range really is the name in the file.
    const line = readFileSync(join(repo, p.rel), 'utf8').split('\n')[hit.location.range.start.line];
    t.equal(line.slice(hit.location.range.start.character, hit.location.range.end.character), pick.name, `${p.language}: the range covers the name`);
    languages.add(p.language);
  }
  t.same(
    [...languages].sort(),
    ['c', 'cpp', 'csharp', 'go', 'java', 'javascript', 'jsx', 'markdown', 'php', 'python', 'ruby', 'rust', 'tsx', 'typescript'],
    'every chunker language',
  );

  t.same(await conn.sendRequest('workspace/symbol', { query: '' }), [], 'an empty query answers nothing');
  t.same(await conn.sendRequest('workspace/symbol', { query: 'zzqqxxyy' }), []);
});

t.test('ranking: exact > prefix > initials > substring > subsequence, types before callables before values', async (t) => {
  const { dir, engine } = await openEngine(t);
  const repo = join(dir, 'rank');
  const py = [
    'def parser(text):',
    '    return text',
    '',
    '',
    'class ParserFactory:',
    '    pass',
    '',
    '',
    'def parse_result(x):',
    '    return x',
    '',
    '',
    'class Parser:',
    '    pass',
    '',
    '',
    'def compare(a, b):',
    '    return a < b',
    '',
    '',
    'def plainArray():',
    '    return []',
    '',
    '',
    'class PackageArchiveResolver:',
    '    pass',
    '',
    '',
    'PAR_LIMIT = 3',
    '',
  ].join('\n');
  await buildRepo(repo, {
    steps: [
      {
        type: 'commit',
        author: { name: 'S', email: 's@example.com' },
        date: '2024-01-01T00:00:00Z',
        subject: 'rank',
        ops: [{ op: 'write', path: 'rank.py', content: py }],
      },
    ],
  });
  await engine.index(repo);
  const { conn, init } = session(t, engine);
  await init([repo]);
  const names = async (query: string) => (await conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query })).map((s) => s.name);
  t.same(
    await names('Parser'),
    ['Parser', 'parser', 'ParserFactory', 'PackageArchiveResolver', 'parse_result'],
    'exact, case-insensitive exact, prefix, then subsequences (a class before a function)',
  );
  t.same(await names('par'), ['Parser', 'ParserFactory', 'parser', 'parse_result', 'PAR_LIMIT', 'PackageArchiveResolver', 'compare', 'plainArray']);
  t.same(
    await names('PAR'),
    ['Parser', 'ParserFactory', 'parser', 'parse_result', 'PAR_LIMIT', 'PackageArchiveResolver', 'compare', 'plainArray'],
    'case-insensitive',
  );
});

t.test('unsaved buffers: documentSymbol and hover read the buffer; nothing is written to disk', async (t) => {
  const { dir, engine } = await openEngine(t);
  const repo = join(dir, 'history');
  await buildFixture('history', repo);
  await engine.index(repo);
  const { conn, init } = session(t, engine);
  await init([repo]);
  const file = join(repo, 'src/cache.py');
  const disk = readFileSync(file, 'utf8');
  const fileUri = uri(file);

  // Saved file: the hover on `with self._lock:` (line 21) names Bob's fix and the method's three authors.
  const hover = async (line: number) =>
    (
      await conn.sendRequest<{ contents: { kind: string; value: string } } | null>('textDocument/hover', {
        textDocument: { uri: fileUri },
        position: { line, character: 8 },
      })
    )?.contents.value ?? '';
  const saved = await hover(20);
  t.match(saved, /^Last changed by \*\*Bob Okafor\*\*, 2023-05-09 .*fix race in cache invalidation/);
  t.match(saved, /`Cache.invalidate` \(method\): shaped by 3 commits from 3 authors/);
  t.match(await hover(18), /Carol Diaz.*Stop the thundering herd/, 'another line, another commit');

  // Two new lines on top and a new method at the end, not saved.
  const lines = disk.split('\n');
  const edited = ['import os', '# scratch', ...lines.slice(0, -1), '', '    def fresh(self):', '        return os.getpid()', ''].join('\n');
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri, languageId: 'python', version: 1, text: edited } });
  t.match(await hover(22), /^Last changed by \*\*Bob Okafor\*\*.*fix race/, 'the buffer line maps to the blamed line two lines up');
  t.match(await hover(0), /^Line changed in this buffer, not saved yet\./);
  const fresh = await hover(edited.split('\n').indexOf('        return os.getpid()'));
  t.match(fresh, /not saved yet/);

  const symbols = async () => conn.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: fileUri } });
  const top = await symbols();
  t.same(
    top.map((s) => [s.name, s.selectionRange.start.line, (s.children ?? []).map((c) => [c.name, c.kind, c.selectionRange.start.line])]),
    [
      [
        'Cache',
        5,
        [
          ['__init__', 9, 6],
          ['get', 6, 13],
          ['invalidate', 6, 19],
          ['fresh', 6, 25],
        ],
      ],
    ],
    'symbols come from the buffer: lines shifted by two, the unsaved method inside its class',
  );

  // An incremental change: rename `fresh` in place.
  const freshLine = edited.split('\n').indexOf('    def fresh(self):');
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: fileUri, version: 2 },
    contentChanges: [{ range: { start: { line: freshLine, character: 8 }, end: { line: freshLine, character: 13 } }, text: 'renamed' }],
  });
  const after = (await symbols()).find((s) => s.name === 'Cache')!;
  t.ok(after.children!.some((c) => c.name === 'renamed') && !after.children!.some((c) => c.name === 'fresh'), 'didChange is applied');

  await conn.sendNotification('textDocument/didClose', { textDocument: { uri: fileUri } });
  t.match(await hover(20), /Bob Okafor/, 'closed: back to the file on disk');
  t.equal(readFileSync(file, 'utf8'), disk, 'the file on disk is untouched');
  t.equal(fixtureGit(repo, ['status', '--porcelain']), '', 'the work tree is clean');
});

t.test('definition fallback: off by default, on by a setting, per language', async (t) => {
  const { dir, engine } = await openEngine(t);
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  await engine.index(repo);
  const file = join(repo, 'src/config_loader.py');
  const at = { textDocument: { uri: uri(file) }, position: { line: 11, character: 22 } }; // parse_json_config(...) call

  const off = session(t, engine);
  const offCaps = await off.init([repo]);
  t.equal(offCaps.capabilities.definitionProvider, false, 'not advertised by default');
  t.equal(await off.conn.sendRequest('textDocument/definition', at), null);

  const on = session(t, engine);
  const onCaps = await on.init([repo], { initializationOptions: { definitionFallback: true } });
  t.equal(onCaps.capabilities.definitionProvider, true);
  const locs = await on.conn.sendRequest<{ uri: string; range: { start: { line: number; character: number } } }[]>('textDocument/definition', at);
  t.same(locs[0], { uri: uri(file), range: { start: { line: 14, character: 4 }, end: { line: 14, character: 21 } } }, 'the definition in the same file first');

  const onlyRuby = session(t, engine);
  await onlyRuby.init([repo], { initializationOptions: { definitionFallback: ['ruby'] } });
  t.equal(await onlyRuby.conn.sendRequest('textDocument/definition', at), null, 'python is not in the list');

  // A client with dynamic registration gets the capability registered when a setting turns it on.
  const dyn = session(t, engine);
  const registrations: string[] = [];
  dyn.conn.onRequest('client/registerCapability', (p: { registrations: { method: string }[] }) => {
    registrations.push(...p.registrations.map((r) => r.method));
    return null;
  });
  const dynCaps = await dyn.init([repo], { capabilities: { textDocument: { definition: { dynamicRegistration: true } } } });
  t.equal(dynCaps.capabilities.definitionProvider, false);
  await dyn.conn.sendNotification('workspace/didChangeConfiguration', { settings: { contextd: { definitionFallback: true } } });
  const viaSetting = await dyn.conn.sendRequest<unknown[]>('textDocument/definition', at);
  t.equal(viaSetting.length >= 1, true, 'the setting applies at once');
  t.ok(registrations.includes('textDocument/definition'), 'and the capability is registered dynamically');
});

t.test('partial results, errors, and the session surviving them', async (t) => {
  const { dir, engine } = await openEngine(t);
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  await engine.index(repo);
  const { conn, init, progress, registered } = session(t, engine);
  await init([repo], { initializationOptions: { workspaceSymbolLimit: 3 } });
  const capped = await conn.sendRequest<unknown[]>('workspace/symbol', { query: 'e' });
  t.equal(capped.length, 3, 'workspaceSymbolLimit caps the answer');

  const many = join(dir, 'many');
  const handlers = Array.from({ length: 120 }, (_, i) => `def handler_${i}(event):\n    return event\n`).join('\n\n');
  await buildRepo(many, {
    steps: [
      {
        type: 'commit',
        author: { name: 'S', email: 's@example.com' },
        date: '2024-01-01T00:00:00Z',
        subject: 'many',
        ops: [{ op: 'write', path: 'handlers.py', content: handlers }],
      },
    ],
  });
  await engine.index(many);
  const big = session(t, engine);
  await big.init([many], { initializationOptions: { workspaceSymbolLimit: 500 } });
  const all = await big.conn.sendRequest<unknown[]>('workspace/symbol', { query: 'handler' });
  const streamed = await big.conn.sendRequest<unknown[]>('workspace/symbol', { query: 'handler', partialResultToken: 'p1' });
  // LSP sends partial results before the response on the same connection, so they are all here.
  const parts = big.progress.filter((p) => p.token === 'p1').map((p) => p.value as unknown[]);
  if (all.length > 50) {
    t.same(streamed, [], 'with partial results the final answer is empty');
    t.ok(parts.length >= 2, `sent in ${parts.length} batches`);
    t.same(parts.flat(), all, 'the batches hold the whole answer, in order');
  } else t.fail(`expected 120 handlers, got ${all.length}`);
  t.equal(all.length, 120, 'only the workspace repository answers');
  t.same(progress, [], 'no progress for an already indexed repository');

  const err = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: { code: number; message: string }) => e,
    );
  t.match(await err(conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri(join(repo, 'nope.py')) } })), { code: -32602 });
  t.match(await err(conn.sendRequest('workspace/executeCommand', { command: 'rm -rf', arguments: [] })), { code: -32602, message: /unknown command/ });
  t.match(await err(conn.sendRequest('contextd/search', {})), { code: -32602, message: /needs a query/ });
  t.match(await err(conn.sendRequest('contextd/search', { query: 'x', repo: '/nonexistent/place' })), { code: -32602 });
  t.match(await err(conn.sendRequest('no/such/method', {})), { code: -32601 });
  t.equal(
    await conn.sendRequest('textDocument/hover', { textDocument: { uri: 'untitled:Untitled-1' }, position: { line: 0, character: 0 } }),
    null,
    'non-file documents get no hover',
  );
  const ok = await conn.sendRequest<{ path: string }[]>('contextd/search', { query: 'parseJsonConfig', limit: 2 });
  t.equal(ok[0]?.path, 'src/configLoader.ts', 'still serving after the errors');
  t.same(registered, [repo], 'the workspace folder was registered on initialize');

  // A folder added later joins the workspace; a removed one leaves it.
  t.same(await conn.sendRequest('workspace/symbol', { query: 'handler_7' }), [], 'the other repository is not in this workspace');
  await conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: uri(many), name: 'many' }], removed: [] } });
  const added = await conn.sendRequest<{ name: string }[]>('workspace/symbol', { query: 'handler_7' });
  t.equal(added[0]?.name, 'handler_7', 'an added folder is searched');
  await conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [{ uri: uri(many), name: 'many' }] } });
  t.same(await conn.sendRequest('workspace/symbol', { query: 'handler_7' }), [], 'a removed folder is not');

  // The same through a client that declares workspaceFolders support (the library routes the notification).
  const modern = session(t, engine);
  await modern.init([repo], { capabilities: { workspace: { workspaceFolders: true } } });
  await modern.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: uri(many), name: 'many' }], removed: [] } });
  // Wait for the notification's effect, not a fixed time.
  const found = await eventually(
    async () => (await modern.conn.sendRequest<{ name: string }[]>('workspace/symbol', { query: 'handler_7' }))[0]?.name === 'handler_7',
    10_000,
    20,
  );
  t.ok(found, 'folder changes reach a client with workspaceFolders support');
});
