/** An MCP client transport over a UNIX socket, for the real SDK client (tests and benchmarks). */
import { connect, type Socket } from 'node:net';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export class UnixSocketClientTransport implements Transport {
  private socket: Socket | null = null;
  private readonly buffer = new ReadBuffer();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(
    private readonly path: string,
    private readonly header?: string,
  ) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.path);
      this.socket = socket;
      socket.once('error', reject);
      socket.on('connect', () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.onerror?.(err));
        if (this.header) socket.write(this.header + '\n');
        resolve();
      });
      socket.on('data', (chunk: Buffer) => deliver(this.buffer, chunk, this));
      socket.on('close', () => this.onclose?.());
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.socket?.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** Appends a chunk of newline-delimited JSON-RPC and hands each whole message (or parse error) to the transport's callbacks. */
export function deliver(buffer: ReadBuffer, chunk: Buffer, to: Pick<Transport, 'onmessage' | 'onerror'>): void {
  buffer.append(chunk);
  for (;;) {
    let msg: JSONRPCMessage | null;
    try {
      msg = buffer.readMessage();
    } catch (err) {
      to.onerror?.(err as Error);
      continue;
    }
    if (!msg) break;
    to.onmessage?.(msg);
  }
}
