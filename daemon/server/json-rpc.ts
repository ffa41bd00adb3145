/**
 * Newline-delimited JSON-RPC 2.0 over a stream socket: one JSON object per line.
 * Used by control.sock (CLI, hooks). Garbage gets a JSON-RPC error, never a crash.
 */
import type { Socket } from 'node:net';
import { GarbageCounter, LineReader } from '../frames.js';

export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** Application errors (a ContextdError): message and hint are for the user. */
export const RPC_APP_ERROR = -32000;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface RpcRequest {
  jsonrpc: '2.0';
  id?: string | number | null;
  method: string;
  params?: unknown;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: { code?: string; hint?: string };
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: RpcErrorObject;
}

/** An error a handler throws to answer with a specific JSON-RPC error code. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: { code?: string; hint?: string },
  ) {
    super(message);
  }
}

/** Max bytes of one line: a client sending an endless line is cut off, not buffered forever. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

/**
 * Splits a socket's bytes into lines and calls `onLine` for each (bounded: see
 * `daemon/frames.ts`). An over-long line, a flood of whitespace, or `maxGarbage`
 * lines in a row that `onLine` refuses (returns false) call `onOverflow` once and
 * stop reading; the caller closes the connection.
 */
export function readLines(socket: Socket, onLine: (line: string) => boolean | void, onOverflow: (reason: string) => void, maxLine = MAX_LINE_BYTES): void {
  const reader = new LineReader({ maxLine });
  const garbage = new GarbageCounter();
  const stop = (reason: string) => {
    socket.off('data', onData);
    onOverflow(reason);
  };
  const onData = (chunk: Buffer) => {
    for (const ev of reader.push(chunk)) {
      if (ev.kind === 'overflow') return stop(ev.reason);
      if (onLine(ev.line.toString('utf8')) === false) {
        if (garbage.refused()) return stop('too many malformed messages in a row');
      } else garbage.accepted();
    }
  };
  socket.on('data', onData);
}

export function isRequest(value: unknown): value is RpcRequest {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return v.jsonrpc === '2.0' && typeof v.method === 'string' && (v.id === undefined || v.id === null || typeof v.id === 'string' || typeof v.id === 'number');
}
