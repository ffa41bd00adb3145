/**
 * lsp.sock: one LSP session per connection (Content-Length framing). The
 * `contextd lsp` bridge may send one line first, `{"contextdBridge":{"cwd":"..."}}`,
 * so the session knows the editor's working directory; an LSP message always
 * starts with a header (`Content-Length: ...`), so anything else is LSP and is
 * handed to the session untouched. Buffers are parsed on a small parse pool of
 * their own, so an editor's keystrokes never wait behind a large index run.
 */
import { createServer, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { LspContext } from '../../lsp/context.js';
import { createLspSession, type LspSession } from '../../lsp/session.js';
import { ParsePool } from '../lang/parse-pool.js';
import { readBridgeHeader } from './bridge-header.js';

export type LspSocketContext = Omit<LspContext, 'parse'>;

/** The LSP socket server. `close()` ends every open session and the parse pool. */
export function createLspSocketServer(ctx: LspSocketContext, log: Logger, opts: { parseWorkers?: number } = {}): Server {
  const pool = new ParsePool({ workers: opts.parseWorkers ?? 1, jobTimeoutMs: 20_000 });
  const sessions = new Set<LspSession>();
  const full: LspContext = { ...ctx, parse: (path, text, language) => pool.parse(path, text, language) };
  let count = 0;
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    readBridgeHeader(
      socket,
      (cwd, rest) => {
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
      },
      { framing: 'lsp' },
    );
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
