/**
 * mcp.sock: one MCP session per connection (newline-delimited JSON-RPC, the MCP
 * stdio framing). The `contextd mcp` bridge may send one header line first,
 * `{"contextdBridge":{"cwd":"..."}}`, so the session knows the client's working
 * directory; any other first line is MCP and is handed to the server untouched.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from 'pino';
import type { McpContext } from '../mcp/context.js';
import { createMcpServer } from '../mcp/server.js';
import { errorMessage } from '../errors.js';

import { BRIDGE_HEADER_KEY } from './constants.js';
export { BRIDGE_HEADER_KEY };
const MAX_HEADER = 64 * 1024;
/** One message may not exceed this (the SDK's own stdio limit is 10 MB). */
const MAX_MESSAGE = 10 * 1024 * 1024;

function readHeader(socket: Socket, onReady: (cwd: string | null, rest: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const nl = buf.indexOf(0x0a);
    if (nl < 0 && buf.length < MAX_HEADER) return;
    socket.off('data', onData);
    socket.pause();
    if (nl >= 0) {
      const first = buf.subarray(0, nl).toString('utf8');
      try {
        const parsed = JSON.parse(first) as Record<string, unknown>;
        const header = parsed?.[BRIDGE_HEADER_KEY] as { cwd?: unknown } | undefined;
        if (header && typeof header === 'object') {
          onReady(typeof header.cwd === 'string' ? header.cwd : null, buf.subarray(nl + 1));
          return;
        }
      } catch {
        // not JSON: let the MCP transport answer with a parse error
      }
    }
    onReady(null, buf);
  };
  socket.on('data', onData);
}

export function createMcpSocketServer(ctx: McpContext, log: Logger): Server {
  let sessions = 0;
  return createServer((socket) => {
    socket.on('error', () => socket.destroy());
    readHeader(socket, (cwd, rest) => {
      // The transport reads from a stream: feed it whole lines, answering lines that are not
      // JSON at all with a JSON-RPC parse error (the SDK's stdio transport drops them silently).
      const input = new PassThrough();
      let pending = '';
      const feed = (chunk: Buffer | string) => {
        pending += chunk.toString();
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            JSON.parse(line);
          } catch {
            if (socket.writable) socket.write(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: each line must be one JSON-RPC message' } }) + '\n');
            continue;
          }
          input.write(line + '\n');
        }
        if (pending.length > MAX_MESSAGE) {
          pending = '';
          socket.destroy();
        }
      };
      if (rest.length) feed(rest);
      socket.on('data', feed);
      socket.on('end', () => input.end());
      socket.resume();
      const transport = new StdioServerTransport(input, socket);
      const server = createMcpServer(ctx, cwd);
      const id = ++sessions;
      transport.onerror = (err) => log.debug({ session: id, err: errorMessage(err) }, 'mcp transport error');
      socket.on('close', () => {
        void server.close().catch(() => {});
      });
      server.connect(transport).catch((err) => {
        log.warn({ err: errorMessage(err) }, 'mcp session failed to start');
        socket.destroy();
      });
    });
  });
}
