/**
 * MCP over Streamable HTTP at http://127.0.0.1:PORT/mcp, for clients that connect by URL
 * (`claude mcp add --transport http`). Loopback only; every request must carry the bearer
 * token (http-token.ts); the Host header must name the loopback address and port, and a
 * browser's Origin must be that same origin (no DNS rebinding, no cross-site calls).
 * One MCP session (and McpServer) per `initialize`, identified by Mcp-Session-Id;
 * sessions idle for an hour are closed. Bodies are bounded before they are parsed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { McpContext } from '../mcp/context.js';
import { createMcpServer } from '../mcp/server.js';
import { errorMessage } from '../errors.js';
import { bearerMatches } from './http-token.js';
import { allowedHosts, refuseForeign } from './http-guard.js';

const MAX_BODY = 4 * 1024 * 1024;
const MAX_SESSIONS = 64;
const IDLE_MS = 60 * 60 * 1000;

export interface McpHttpEndpoint {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  lastUsed: number;
}

export async function startMcpHttp(ctx: McpContext, log: Logger, opts: { port: number; token: string }): Promise<McpHttpEndpoint> {
  const sessions = new Map<string, Session>();
  let port = opts.port;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const refused = refuseForeign(req.headers, allowedHosts('127.0.0.1', port));
    if (refused) return plain(res, refused.status, refused.message);
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/mcp') return plain(res, 404, 'not found: the MCP endpoint is /mcp');
    if (!bearerMatches(req.headers.authorization, opts.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="contextd"');
      return plain(res, 401, 'a bearer token is required: the contents of http-token in the contextd data directory');
    }
    let body: unknown;
    if (req.method === 'POST') {
      const read = await readBody(req);
      if (read === 'too-large') return rpcError(res, 413, -32600, `the request is over ${MAX_BODY} bytes`);
      try {
        body = JSON.parse(read.toString('utf8'));
      } catch {
        return rpcError(res, 400, -32700, 'Parse error: the body must be one JSON-RPC message or a batch');
      }
    }
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const s = sessions.get(sid);
      if (!s) return rpcError(res, 404, -32001, 'session not found (expired or the daemon restarted): initialize again');
      s.lastUsed = Date.now();
      return s.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) return rpcError(res, 400, -32000, 'no Mcp-Session-Id: send initialize first');
    if (sessions.size >= MAX_SESSIONS) return rpcError(res, 503, -32000, `too many open sessions (${MAX_SESSIONS}); close one (HTTP DELETE) or wait`);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, { transport, lastUsed: Date.now() }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    const server = createMcpServer(ctx, null);
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      void server.close().catch(() => undefined);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.warn({ err: errorMessage(err) }, 'mcp http request failed');
      if (!res.headersSent) rpcError(res, 500, -32603, 'internal error');
      else res.end();
    });
  });
  // No slow client holds a socket forever.
  http.requestTimeout = 60_000;
  http.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, s] of sessions) if (now - s.lastUsed > IDLE_MS) void s.transport.close().finally(() => sessions.delete(id));
  }, 60_000);
  sweep.unref();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    async close() {
      clearInterval(sweep);
      await Promise.allSettled([...sessions.values()].map((s) => s.transport.close()));
      sessions.clear();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > MAX_BODY) {
        over = true;
        chunks.length = 0;
        resolve('too-large');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !over && resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message + '\n');
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}
