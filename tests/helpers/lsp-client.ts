/** An LSP client on vscode-jsonrpc over `contextd lsp` (a child process) or lsp.sock, for tests and benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { CLI } from './cli.js';

export interface ProgressEvent {
  token: string | number;
  value: { kind: 'begin' | 'report' | 'end'; title?: string; message?: string; percentage?: number };
}

export interface LspClient {
  conn: MessageConnection;
  child: ChildProcess | null;
  stderr: () => string;
  progress: ProgressEvent[];
  logs: string[];
  /** Requests the server sent us (method names), e.g. window/workDoneProgress/create. */
  serverRequests: string[];
  initialize(folders: string[], opts?: { initializationOptions?: unknown; capabilities?: Record<string, unknown> }): Promise<InitializeAnswer>;
  close(): Promise<void>;
  exited: Promise<number | null>;
}

export interface InitializeAnswer {
  capabilities: Record<string, unknown>;
  serverInfo?: { name: string; version?: string };
}

export const uri = (path: string) => pathToFileURL(path).href;

function wrap(conn: MessageConnection, child: ChildProcess | null, stderr: () => string, exited: Promise<number | null>): LspClient {
  const progress: ProgressEvent[] = [];
  const logs: string[] = [];
  const serverRequests: string[] = [];
  conn.onNotification('$/progress', (p: ProgressEvent) => progress.push(p));
  conn.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  conn.onNotification('window/showMessage', (p: { message: string }) => logs.push(p.message));
  conn.onRequest('window/workDoneProgress/create', () => {
    serverRequests.push('window/workDoneProgress/create');
    return null;
  });
  conn.onRequest('client/registerCapability', () => {
    serverRequests.push('client/registerCapability');
    return null;
  });
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => {
    serverRequests.push('workspace/configuration');
    return p.items.map(() => null);
  });
  conn.listen();
  return {
    conn,
    child,
    stderr,
    progress,
    logs,
    serverRequests,
    async initialize(folders, opts = {}) {
      const res = await conn.sendRequest<InitializeAnswer>('initialize', {
        processId: process.pid,
        rootUri: folders[0] ? uri(folders[0]) : null,
        workspaceFolders: folders.map((f) => ({ uri: uri(f), name: f.split('/').pop() })),
        capabilities: {
          window: { workDoneProgress: true },
          workspace: { workspaceFolders: true, symbol: {} },
          textDocument: { hover: { contentFormat: ['markdown'] } },
          ...opts.capabilities,
        },
        initializationOptions: opts.initializationOptions,
      });
      await conn.sendNotification('initialized', {});
      return res;
    },
    async close() {
      try {
        await conn.sendRequest('shutdown');
        await conn.sendNotification('exit');
      } catch {
        // already gone
      }
      conn.dispose();
      if (child && child.exitCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
    exited,
  };
}

/** `contextd lsp` as an editor runs it: a child process on stdio. */
export function spawnLsp(env: NodeJS.ProcessEnv, cwd: string): LspClient {
  const child = spawn(process.execPath, [CLI, 'lsp'], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  return wrap(conn, child, () => err, exited);
}

/** An editor dialing lsp.sock directly. */
export async function dialLsp(socketPath: string): Promise<LspClient> {
  const sock = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const exited = new Promise<number | null>((r) => sock.on('close', () => r(0)));
  const conn = createMessageConnection(new StreamMessageReader(sock), new StreamMessageWriter(sock));
  return wrap(conn, null, () => '', exited);
}
