/**
 * An MCP client transport over a child process's stdio that, unlike the SDK's
 * StdioClientTransport, lets a test see how the child ended (exit code) and what it
 * wrote to stderr: the `contextd mcp` bridge's exit status is part of its contract.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { deliver } from './mcp-socket-transport.js';

export class ChildProcessTransport implements Transport {
  private child: ChildProcess | null = null;
  private readonly buffer = new ReadBuffer();
  private err = '';
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The child's exit code (null: killed by a signal). */
  exited!: Promise<number | null>;

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly opts: { cwd?: string; env: NodeJS.ProcessEnv },
  ) {}

  get stderr(): string {
    return this.err;
  }

  start(): Promise<void> {
    const child = spawn(this.command, this.args, { cwd: this.opts.cwd, env: this.opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr!.on('data', (d) => (this.err += d));
    child.stdout!.on('data', (chunk: Buffer) => deliver(this.buffer, chunk, this));
    child.on('close', () => this.onclose?.());
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.child?.stdin?.write(serializeMessage(message));
  }

  /** Ends the session the way a client does: closes the child's stdin. */
  async close(): Promise<void> {
    this.child?.stdin?.end();
  }
}
