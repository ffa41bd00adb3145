/**
 * The control socket server: JSON-RPC 2.0 methods for the CLI and the hooks.
 * Every connection is independent; a handler's failure answers that request with
 * an error and leaves the daemon serving.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ContextdError } from '../errors.js';
import {
  RPC_APP_ERROR,
  RPC_INTERNAL_ERROR,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  RpcError,
  isRequest,
  readLines,
  type RpcResponse,
} from './json-rpc.js';

export type RpcHandler = (params: unknown, ctx: { socket: Socket }) => Promise<unknown> | unknown;

export interface ControlServerOptions {
  handlers: Record<string, RpcHandler>;
  onError?: (err: unknown, method: string) => void;
}

export function createControlServer(opts: ControlServerOptions): Server {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const send = (res: RpcResponse) => {
      if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(res) + '\n');
    };
    readLines(
      socket,
      (line) => {
        let msg: unknown;
        try {
          msg = JSON.parse(line);
        } catch {
          send({ jsonrpc: '2.0', id: null, error: { code: RPC_PARSE_ERROR, message: 'parse error: each line must be one JSON-RPC 2.0 object' } });
          return false;
        }
        if (!isRequest(msg)) {
          send({ jsonrpc: '2.0', id: null, error: { code: RPC_INVALID_REQUEST, message: 'invalid request: expected {"jsonrpc":"2.0","method":...}' } });
          return false;
        }
        const { id, method, params } = msg;
        const handler = Object.hasOwn(opts.handlers, method) ? opts.handlers[method] : undefined;
        if (!handler) {
          if (id !== undefined) send({ jsonrpc: '2.0', id, error: { code: RPC_METHOD_NOT_FOUND, message: `unknown method: ${method}` } });
          return;
        }
        Promise.resolve()
          .then(() => handler(params, { socket }))
          .then(
            (result) => {
              if (id !== undefined) send({ jsonrpc: '2.0', id, result: result ?? null });
            },
            (err: unknown) => {
              if (id === undefined) return;
              if (err instanceof RpcError) send({ jsonrpc: '2.0', id, error: { code: err.code, message: err.message, data: err.data } });
              else if (err instanceof ContextdError)
                send({ jsonrpc: '2.0', id, error: { code: RPC_APP_ERROR, message: err.message, data: { code: err.code, hint: err.hint } } });
              else {
                opts.onError?.(err, method);
                send({ jsonrpc: '2.0', id, error: { code: RPC_INTERNAL_ERROR, message: `internal error: ${(err as Error)?.message ?? String(err)}` } });
              }
            },
          );
      },
      (reason) => {
        send({ jsonrpc: '2.0', id: null, error: { code: RPC_INVALID_REQUEST, message: `connection closed: ${reason}` } });
        socket.end();
        socket.destroySoon();
      },
    );
  });
  return server;
}
