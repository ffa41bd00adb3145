/**
 * stdio <-> UNIX socket bridges for clients that spawn a command (`claude mcp add
 * contextd -- contextd mcp`, an editor's LSP command). The daemon does the work;
 * the bridge copies bytes, after an optional header line (the MCP bridge in
 * mcp-bridge.ts also reads the JSON-RPC lines, to answer calls the daemon cannot).
 *
 * The bridge dials the socket first and only asks for the daemon (starting it
 * if needed) when nobody listens: a daemon that is busy and slow to answer a
 * ping must not cost an editor its language server.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ContextdError } from '../errors.js';
import { daemonCall, ensureDaemon } from './daemon-client.js';
import { clientSocketDir } from './socket-dir.js';
import { LspFrameReader, lspFrame } from './lsp-frames.js';

export function dial(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
  });
}

export function nobodyListens(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTDIR';
}

/** Where a bridge dials `socketName` now (the socket dir is looked up again on every call: a daemon may have moved). */
export function bridgeSocketPath(socketName: string): string {
  return join(clientSocketDir(), socketName);
}

/** Connects to the daemon's `socketName`, starting the daemon when nobody listens (and autostart allows). */
export async function openDaemonSocket(socketName: string): Promise<Socket> {
  try {
    return await dial(bridgeSocketPath(socketName));
  } catch (first) {
    if (!nobodyListens(first)) throw bridgeError(bridgeSocketPath(socketName), first);
    await ensureDaemon();
    const path = bridgeSocketPath(socketName);
    try {
      return await dial(path);
    } catch (err) {
      throw bridgeError(path, err);
    }
  }
}

/** CONTEXTD_BRIDGE_TRACE=1: one stderr line per request and answer that passes (which calls were in flight when something broke). */
export function trace(line: string): void {
  if (process.env.CONTEXTD_BRIDGE_TRACE === '1') process.stderr.write(`contextd bridge: ${line}\n`);
}

/** LSP's RequestFailed: the request was valid but the server could not answer it. */
const LSP_REQUEST_FAILED = -32803;

/**
 * The byte-copying bridge (LSP). The client closing stdin ends the session (exit 0), and
 * so does the daemon closing it while it still listens (the session ended: LSP `exit`).
 * The daemon going away is a failure the editor must see: every request it had not
 * answered gets an error, and the bridge exits 1 (with why on stderr), so that the editor
 * restarts its language server instead of waiting on a silent one.
 */
export async function runLspBridge(socketName: string, header: string | null): Promise<number> {
  const socket = await openDaemonSocket(socketName);
  const pending = new Map<string, string | number>();
  const idOf = (body: Buffer): { id: string | number; request: boolean; method: string } | null => {
    try {
      const m = JSON.parse(body.toString('utf8')) as { id?: unknown; method?: unknown };
      return typeof m.id === 'string' || typeof m.id === 'number' ? { id: m.id, request: typeof m.method === 'string', method: String(m.method ?? '') } : null;
    } catch {
      return null;
    }
  };
  const fromClient = new LspFrameReader((body) => {
    const m = idOf(body);
    if (!m?.request) return;
    pending.set(JSON.stringify(m.id), m.id);
    trace(`-> ${m.method} ${JSON.stringify(m.id)}`);
  });
  const fromDaemon = new LspFrameReader((body) => {
    const m = idOf(body);
    if (!m || m.request) return;
    pending.delete(JSON.stringify(m.id));
    trace(`<- ${JSON.stringify(m.id)}`);
  });
  return new Promise<number>((resolve) => {
    let clientDone = false;
    if (header) socket.write(header + '\n');
    process.stdin.on('data', (chunk: Buffer) => fromClient.push(chunk));
    socket.on('data', (chunk: Buffer) => fromDaemon.push(chunk));
    process.stdin.pipe(socket);
    socket.pipe(process.stdout, { end: false });
    process.stdin.on('end', () => {
      clientDone = true;
      socket.end();
    });
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      if (clientDone) return resolve(0);
      // Alive means answering a ping (a dial alone can land in the backlog of a dying daemon's socket).
      daemonCall('ping', {}, 2000).then(
        () => resolve(0),
        () => {
          for (const id of pending.values()) {
            process.stdout.write(
              lspFrame({ jsonrpc: '2.0', id, error: { code: LSP_REQUEST_FAILED, message: 'the contextd daemon stopped before answering this request' } }),
            );
          }
          process.stderr.write(`contextd: the daemon stopped (${socketName} closed); ending this session\n`);
          resolve(1);
        },
      );
    });
  });
}

export function bridgeError(path: string, err: unknown): ContextdError {
  return new ContextdError('bridge-connect', `cannot connect to ${path}: ${(err as Error)?.message ?? String(err)}`, {
    hint: 'is the daemon running? check `contextd status`',
  });
}
