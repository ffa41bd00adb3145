/**
 * LSP base protocol over a byte stream (a socket), hardened for a long-lived
 * daemon: `Content-Length` framing is parsed here rather than by vscode-jsonrpc
 * so that a malformed message is answered with a JSON-RPC error (-32700 parse
 * error, -32600 invalid request) and the session keeps going, instead of being
 * reported to nobody. Requests before `initialize` get -32002, as the spec asks.
 * Messages that pass are handed to vscode-jsonrpc as parsed objects.
 */
import type { Readable, Writable } from 'node:stream';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  ErrorCodes,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';
import { ByteQueue, GarbageCounter } from '../daemon/frames.js';

/** Longest header block we wait for before calling the stream garbage. */
const MAX_HEADER_BYTES = 8 * 1024;
/** A message larger than this closes the session (it cannot be resynchronised cheaply). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

type Id = number | string | null;

function errorReply(id: Id, code: number, message: string): Message {
  return { jsonrpc: '2.0', id, error: { code, message } } as Message;
}

function validId(v: unknown): v is number | string {
  return typeof v === 'number' || typeof v === 'string';
}

export class SocketMessageWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(private readonly out: Writable) {
    super();
    out.on('error', (err: Error) => this.fireError(err));
    out.on('close', () => this.fireClose());
  }

  async write(msg: Message): Promise<void> {
    if (!this.out.writable) return;
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    // One write per message: frames never interleave, whoever writes.
    this.out.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  end(): void {
    this.out.end();
  }
}

export interface SafeReaderOptions {
  /** Where protocol errors are answered (the session's writer). */
  reply: (msg: Message) => void;
  /** Called for every message refused here, for logs and tests. */
  onRefused?: (reason: string) => void;
}

export class SafeMessageReader extends AbstractMessageReader implements MessageReader {
  /** Bytes of the header block being read (bounded by MAX_HEADER_BYTES plus one chunk). */
  private head: Buffer = Buffer.alloc(0);
  /** Body bytes of the message whose header was read (`need` of them); never concatenated per chunk. */
  private body = new ByteQueue();
  private need = -1;
  private readonly garbage = new GarbageCounter(16);
  private callback: DataCallback | null = null;
  private state: 'new' | 'initializing' | 'ready' = 'new';
  private readonly pending: Message[] = [];
  private dropped = false;

  constructor(
    private readonly input: Readable,
    private readonly opts: SafeReaderOptions,
  ) {
    super();
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('error', (err: Error) => this.fireError(err));
    input.on('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const m of this.pending.splice(0)) callback(m);
    return { dispose: () => (this.callback = null) };
  }

  /** Feed bytes that were read before this reader existed (after a bridge header line). */
  push(chunk: Buffer): void {
    this.onData(chunk);
  }

  private refuse(id: Id, code: number, message: string): void {
    this.opts.onRefused?.(message);
    this.opts.reply(errorReply(id, code, message));
    // A stream of nothing but garbage is not an editor: stop answering it.
    if (this.garbage.refused()) this.drop('too many malformed messages in a row');
  }

  private drop(reason: string): void {
    if (this.dropped) return;
    this.dropped = true;
    this.opts.onRefused?.(`connection dropped: ${reason}`);
    this.head = Buffer.alloc(0);
    this.body.clear();
    this.input.destroy();
  }

  private onData(chunk: Buffer): void {
    while (!this.dropped && chunk.length) {
      if (this.need >= 0) {
        const take = Math.min(chunk.length, this.need - this.body.length);
        this.body.push(chunk.subarray(0, take));
        chunk = chunk.subarray(take);
        if (this.body.length < this.need) return;
        const body = this.body.take(this.need).toString('utf8');
        this.need = -1;
        this.onBody(body);
        continue;
      }
      // Header: search only the bytes that can complete "\r\n\r\n" (the last 3 held + the new chunk).
      const from = Math.max(0, this.head.length - 3);
      this.head = this.head.length ? Buffer.concat([this.head, chunk]) : chunk;
      const end = this.head.indexOf(HEADER_END, from);
      if (end < 0) {
        if (this.head.length > MAX_HEADER_BYTES) {
          this.head = Buffer.alloc(0);
          this.refuse(null, ErrorCodes.ParseError, 'Parse error: expected a "Content-Length: N" header block ending in \\r\\n\\r\\n');
        }
        return;
      }
      const header = this.head.subarray(0, end).toString('ascii');
      chunk = this.head.subarray(end + HEADER_END.length);
      this.head = Buffer.alloc(0);
      const length = contentLength(header);
      if (length === null) {
        this.refuse(null, ErrorCodes.ParseError, 'Parse error: the header block has no valid Content-Length');
        continue;
      }
      if (length > MAX_MESSAGE_BYTES) {
        this.refuse(null, ErrorCodes.ParseError, `Parse error: message of ${length} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`);
        this.drop('message over the size limit');
        return;
      }
      this.need = length;
    }
  }

  private onBody(body: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(body);
    } catch (err) {
      this.refuse(null, ErrorCodes.ParseError, `Parse error: ${(err as Error).message}`);
      return;
    }
    if (Array.isArray(msg)) {
      this.refuse(null, ErrorCodes.InvalidRequest, 'Invalid request: JSON-RPC batches are not used by LSP');
      return;
    }
    if (!msg || typeof msg !== 'object') {
      this.refuse(null, ErrorCodes.InvalidRequest, 'Invalid request: a message must be a JSON object');
      return;
    }
    const m = msg as Record<string, unknown>;
    const id: Id = validId(m.id) ? m.id : null;
    if (m.jsonrpc !== '2.0') {
      this.refuse(id, ErrorCodes.InvalidRequest, 'Invalid request: "jsonrpc" must be "2.0"');
      return;
    }
    const isResponse = !('method' in m) && 'id' in m && ('result' in m || 'error' in m);
    if (!isResponse) {
      if (typeof m.method !== 'string' || !m.method) {
        this.refuse(id, ErrorCodes.InvalidRequest, 'Invalid request: "method" must be a non-empty string');
        return;
      }
      if ('id' in m && !validId(m.id)) {
        this.refuse(null, ErrorCodes.InvalidRequest, 'Invalid request: "id" must be a number or a string');
        return;
      }
      if ('params' in m && (m.params === null || typeof m.params !== 'object')) {
        // JSON-RPC allows only structured params; a null from a sloppy client is dropped rather than refused.
        if (m.params === null) delete m.params;
        else {
          if ('id' in m) this.refuse(id, ErrorCodes.InvalidParams, 'Invalid params: "params" must be an object or an array');
          else this.opts.onRefused?.('notification with non-structured params');
          return;
        }
      }
      const isRequest = 'id' in m;
      if (this.state === 'new') {
        if (m.method === 'initialize' && isRequest) this.state = 'initializing';
        else if (m.method !== 'exit') {
          if (isRequest) this.refuse(id, -32002, `Server not initialized: send "initialize" before "${m.method}"`);
          else this.opts.onRefused?.(`notification ${m.method} before initialize`);
          return;
        }
      } else if (m.method === 'initialize' && isRequest) {
        this.refuse(id, ErrorCodes.InvalidRequest, 'Invalid request: the session is already initialized');
        return;
      } else if (this.state === 'initializing' && m.method === 'initialized') {
        this.state = 'ready';
      }
    }
    this.garbage.accepted();
    this.deliver(m as unknown as Message);
  }

  private deliver(m: Message): void {
    if (this.callback) this.callback(m);
    else this.pending.push(m);
  }
}

/** The Content-Length of a header block, or null when it is missing or not a number. */
export function contentLength(header: string): number | null {
  let length: number | null = null;
  for (const line of header.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const v = line.slice(colon + 1).trim();
    if (!/^\d{1,12}$/.test(v)) return null;
    length = Number(v);
  }
  return length;
}
