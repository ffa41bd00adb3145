/**
 * Bounded framing for every socket the daemon serves (control, MCP, LSP).
 *
 * A client can send anything at any speed, so a reader must cost O(bytes received)
 * and hold at most its limit: bytes are kept as a list of chunks (never concatenated
 * on each arrival), only the new chunk is searched for a delimiter, and leading
 * whitespace counts towards the limit like any other byte. A client that sends only
 * whitespace, or only garbage, is cut off instead of being answered forever.
 */

/** Chunks of a stream not yet consumed; appends and takes in O(chunk). */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // bytes of chunks[0] already consumed
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Buffer {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      const avail = first.length - this.head;
      const size = Math.min(avail, left);
      parts.push(first.subarray(this.head, this.head + size));
      left -= size;
      if (size === avail) {
        this.chunks.shift();
        this.head = 0;
      } else this.head += size;
    }
    this.length -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Removes every byte. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }
}

const isBlank = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** The first byte at or after `from` that is not whitespace, or -1. */
export function firstNonBlank(buf: Buffer, from = 0): number {
  for (let i = from; i < buf.length; i++) if (!isBlank(buf[i]!)) return i;
  return -1;
}

export type LineEvent = { kind: 'line'; line: Buffer } | { kind: 'overflow'; reason: string };

export interface LineReaderOptions {
  /** Longest line (bytes, without its newline). */
  maxLine: number;
  /** Most whitespace tolerated between two lines that hold something. */
  maxBlank?: number;
}

/**
 * Newline-delimited frames. `push` returns the complete non-blank lines in the
 * chunk (trailing `\r` removed) and, once, an overflow when a limit is passed;
 * after an overflow the reader is closed and the caller drops the connection.
 */
export class LineReader {
  private readonly pending = new ByteQueue();
  private blank = 0; // whitespace bytes since the last non-blank line
  private pendingBlank = true; // the pending bytes are all whitespace so far
  private closed = false;

  constructor(private readonly opts: LineReaderOptions) {}

  get isClosed(): boolean {
    return this.closed;
  }

  push(chunk: Buffer): LineEvent[] {
    if (this.closed) return [];
    const out: LineEvent[] = [];
    const maxBlank = this.opts.maxBlank ?? 64 * 1024;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.pendingBlank && firstNonBlank(piece) >= 0) this.pendingBlank = false;
      if (nl < 0) {
        this.pending.push(piece);
        break;
      }
      this.pending.push(piece);
      const line = this.pending.take(this.pending.length);
      if (this.pendingBlank) this.blank += line.length + 1;
      else {
        this.blank = 0;
        if (line.length > this.opts.maxLine) return this.overflow(out, `a line is over the ${this.opts.maxLine}-byte limit`);
        out.push({ kind: 'line', line: line.length && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line });
      }
      this.pendingBlank = true;
      start = nl + 1;
    }
    if (this.pending.length > this.opts.maxLine) return this.overflow(out, `a line is over the ${this.opts.maxLine}-byte limit`);
    if (this.blank + (this.pendingBlank ? this.pending.length : 0) > maxBlank) return this.overflow(out, `over ${maxBlank} bytes of whitespace and no message`);
    return out;
  }

  private overflow(out: LineEvent[], reason: string): LineEvent[] {
    this.closed = true;
    this.pending.clear();
    out.push({ kind: 'overflow', reason });
    return out;
  }
}

/**
 * Counts refused frames in a row: a client whose every message is garbage is
 * dropped after `limit` of them instead of being answered forever.
 */
export class GarbageCounter {
  private run = 0;
  constructor(private readonly limit = 64) {}
  /** A refused frame; true when the connection should be dropped. */
  refused(): boolean {
    return ++this.run >= this.limit;
  }
  accepted(): void {
    this.run = 0;
  }
}
