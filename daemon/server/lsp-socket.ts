/**
 * lsp.sock: one LSP session per connection (Content-Length framing). The
 * `contextd lsp` bridge may send one line first, `{"contextdBridge":{"cwd":"..."}}`,
 * so the session knows the editor's working directory; an LSP message always
 * starts with a header (`Content-Length: ...`), so anything else is LSP and is
 * handed to the session untouched. Buffers are parsed on a small parse pool of
 * their own, so an editor's keystrokes never wait behind a large index run.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { LspContext } from '../../lsp/context.js';
import { createLspSession, type LspSession } from '../../lsp/session.js';
import { ParsePool } from '../lang/parse-pool.js';
import { BRIDGE_HEADER_KEY } from './mcp-socket.js';

const MAX_HEADER = 64 * 1024;

function readBridgeHeader(socket: Socket, onReady: (cwd: string | null, rest: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    // Skip leading whitespace to see what the first message is.
    const first = buf.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (first < 0) return;
    if (buf[first] !== 0x7b /* { */) return done(null, buf);
    const nl = buf.indexOf(0x0a, first);
    if (nl < 0 && buf.length < MAX_HEADER) return;
    if (nl >= 0) {
      try {
        const parsed = JSON.parse(buf.subarray(first, nl).toString('utf8')) as Record<string, unknown>;
        const header = parsed?.[BRIDGE_HEADER_KEY] as { cwd?: unknown } | undefined;
        if (header && typeof header === 'object') return done(typeof header.cwd === 'string' ? header.cwd : null, buf.subarray(nl + 1));
      } catch {
        // not a header: the session answers with a parse error
      }
    }
    done(null, buf);
  };
  const done = (cwd: string | null, rest: Buffer) => {
    socket.off('data', onData);
    socket.pause();
    onReady(cwd, rest);
  };
  socket.on('data', onData);
}

export type LspSocketContext = Omit<LspContext, 'parse'>;

/** The LSP socket server. `close()` ends every open session and the parse pool. */
export function createLspSocketServer(ctx: LspSocketContext, log: Logger, opts: { parseWorkers?: number } = {}): Server {
  const pool = new ParsePool({ workers: opts.parseWorkers ?? 1, jobTimeoutMs: 20_000 });
  const sessions = new Set<LspSession>();
  const full: LspContext = { ...ctx, parse: (path, text, language) => pool.parse(path, text, language) };
  let count = 0;
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    readBridgeHeader(socket, (cwd, rest) => {
      const id = ++count;
      const session = createLspSession(socket, socket, full, {
        cwd,
        initialBytes: rest,
        onClose: () => {
          sessions.delete(session);
          log.debug({ session: id }, 'lsp session closed');
        },
      });
      sessions.add(session);
      socket.resume();
      log.debug({ session: id, cwd }, 'lsp session opened');
    });
  });
  server.on('close', () => {
    for (const s of [...sessions]) s.dispose();
    void pool.close().catch(() => {});
  });
  const close = server.close.bind(server);
  // Ending the server also ends its sessions (net.Server.close alone waits for every editor to quit).
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of [...sessions]) s.dispose();
    return close(cb);
  }) as typeof server.close;
  return server;
}
