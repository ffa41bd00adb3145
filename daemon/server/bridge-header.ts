/**
 * The optional first line a `contextd mcp` / `contextd lsp` bridge sends,
 * `{"contextdBridge":{"cwd":"..."}}`, so a session knows its client's working
 * directory. Anything else is the protocol itself and is handed on untouched.
 *
 * Bounded: at most MAX_HEADER bytes are held before deciding, leading whitespace
 * included, and each byte is looked at once. A client that sends only whitespace
 * past the limit is disconnected (it would otherwise hold the buffer forever).
 */
import type { Socket } from 'node:net';
import { firstNonBlank } from '../frames.js';
import { BRIDGE_HEADER_KEY } from './constants.js';

const MAX_HEADER = 64 * 1024;

export interface BridgeHeaderOptions {
  /**
   * 'line': the protocol is newline-delimited (MCP): the header, if any, is the first line.
   * 'lsp': the protocol starts with `Content-Length`: a first byte other than `{` is LSP.
   */
  framing: 'line' | 'lsp';
}

export function readBridgeHeader(socket: Socket, onReady: (cwd: string | null, rest: Buffer) => void, opts: BridgeHeaderOptions = { framing: 'line' }): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let first = -1; // offset of the first non-blank byte, once seen
  const onData = (chunk: Buffer) => {
    const offset = size;
    chunks.push(chunk);
    size += chunk.length;
    if (first < 0) {
      const at = firstNonBlank(chunk);
      if (at >= 0) first = offset + at;
    }
    if (first < 0) {
      if (size > MAX_HEADER) {
        socket.off('data', onData);
        socket.destroy();
      }
      return;
    }
    const buf = () => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    if (opts.framing === 'lsp' && byteAt(chunks, first) !== 0x7b /* { */) return done(null, buf());
    // Search for the newline only in what is new (and from the first non-blank byte).
    const from = Math.max(first, offset) - offset;
    const nlInChunk = chunk.indexOf(0x0a, from);
    if (nlInChunk < 0 && size <= MAX_HEADER) return;
    const all = buf();
    if (nlInChunk >= 0) {
      const nl = offset + nlInChunk;
      const header = parseHeader(all.subarray(first, nl));
      if (header !== undefined) return done(header, all.subarray(nl + 1));
    }
    done(null, all);
  };
  const done = (cwd: string | null, rest: Buffer) => {
    socket.off('data', onData);
    socket.pause();
    onReady(cwd, rest);
  };
  socket.on('data', onData);
}

function byteAt(chunks: Buffer[], at: number): number {
  for (const c of chunks) {
    if (at < c.length) return c[at]!;
    at -= c.length;
  }
  return -1;
}

/** The cwd of a bridge header line (null: a header without one), or undefined when the line is no header. */
function parseHeader(line: Buffer): string | null | undefined {
  if (line[0] !== 0x7b) return undefined;
  try {
    const parsed = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
    const header = parsed?.[BRIDGE_HEADER_KEY] as { cwd?: unknown } | undefined;
    if (header && typeof header === 'object') return typeof header.cwd === 'string' ? header.cwd : null;
  } catch {
    // not a header: the protocol answers it with a parse error
  }
  return undefined;
}
