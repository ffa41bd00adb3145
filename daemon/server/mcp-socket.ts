/**
 * mcp.sock: one MCP session per connection (newline-delimited JSON-RPC, the MCP
 * stdio framing). The `contextd mcp` bridge may send one header line first,
 * `{"contextdBridge":{"cwd":"..."}}`, so the session knows the client's working
 * directory; any other first line is MCP and is handed to the server untouched.
 */
import { createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from 'pino';
import type { McpContext } from '../mcp/context.js';
import { createMcpServer } from '../mcp/server.js';
import { errorMessage } from '../errors.js';
import { GarbageCounter, LineReader } from '../frames.js';
import { readBridgeHeader } from './bridge-header.js';

/** One message may not exceed this (the SDK's own stdio limit is 10 MB). */
const MAX_MESSAGE = 10 * 1024 * 1024;

export function createMcpSocketServer(ctx: McpContext, log: Logger): Server {
  let sessions = 0;
  return createServer((socket) => {
    socket.on('error', () => socket.destroy());
    readBridgeHeader(socket, (cwd, rest) => {
      // The transport reads from a stream: feed it whole lines, answering lines that are not
      // JSON at all with a JSON-RPC parse error (the SDK's stdio transport drops them silently).
      // Bounded (daemon/frames.ts): an over-long line, a whitespace flood or a run of garbage
      // lines drops the connection.
      const input = new PassThrough();
      const lines = new LineReader({ maxLine: MAX_MESSAGE });
      const garbage = new GarbageCounter();
      const drop = (reason: string) => {
        log.debug({ reason }, 'mcp connection dropped');
        socket.off('data', feed);
        input.end();
        socket.destroy();
      };
      const feed = (chunk: Buffer) => {
        for (const ev of lines.push(chunk)) {
          if (ev.kind === 'overflow') return drop(ev.reason);
          const line = ev.line.toString('utf8');
          try {
            JSON.parse(line);
          } catch {
            if (socket.writable)
              socket.write(
                JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: each line must be one JSON-RPC message' } }) + '\n',
              );
            if (garbage.refused()) return drop('too many malformed messages in a row');
            continue;
          }
          garbage.accepted();
          input.write(line + '\n');
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
