/**
 * Line bookkeeping for one file. Lines are split on '\n' only; a '\r' before
 * it stays part of the line, so CRLF files keep their exact text in chunks
 * while line numbers match what editors and git show. 1-based, inclusive.
 */
export class SourceLines {
  readonly count: number;
  private readonly starts: number[];
  private readonly blank: Uint8Array;
  /** nonBlankBefore[i] = number of non-blank lines among lines 1..i. */
  private readonly nonBlankBefore: Uint32Array;

  constructor(private readonly source: string) {
    const starts = [0];
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
    this.count = starts.length;
    this.blank = new Uint8Array(this.count + 1);
    this.nonBlankBefore = new Uint32Array(this.count + 1);
    for (let n = 1; n <= this.count; n++) {
      const isBlank = isBlankSlice(source, this.lineStart(n), this.lineEnd(n));
      this.blank[n] = isBlank ? 1 : 0;
      this.nonBlankBefore[n] = this.nonBlankBefore[n - 1] + (isBlank ? 0 : 1);
    }
  }

  /** Offset of the first character of line n. */
  private lineStart(n: number): number {
    return this.starts[n - 1];
  }

  /** Offset just past the last character of line n (its '\n' excluded). */
  private lineEnd(n: number): number {
    return n < this.count ? this.starts[n] - 1 : this.source.length;
  }

  line(n: number): string {
    return this.source.slice(this.lineStart(n), this.lineEnd(n));
  }

  lineLength(n: number): number {
    return this.lineEnd(n) - this.lineStart(n);
  }

  /** Exact text of lines s..e joined by '\n'. */
  text(s: number, e: number): string {
    return this.source.slice(this.lineStart(s), this.lineEnd(e));
  }

  /** Length of text(s, e) without building it. */
  chars(s: number, e: number): number {
    return this.lineEnd(e) - this.lineStart(s);
  }

  isBlank(n: number): boolean {
    return this.blank[n] === 1;
  }

  nonBlankCount(s: number, e: number): number {
    return e < s ? 0 : this.nonBlankBefore[e] - this.nonBlankBefore[s - 1];
  }

  /** First non-blank line in s..e, or -1. */
  firstNonBlank(s: number, e: number): number {
    for (let n = Math.max(1, s); n <= Math.min(e, this.count); n++) if (!this.blank[n]) return n;
    return -1;
  }

  /** Last non-blank line in s..e, or -1. */
  lastNonBlank(s: number, e: number): number {
    for (let n = Math.min(e, this.count); n >= Math.max(1, s); n--) if (!this.blank[n]) return n;
    return -1;
  }
}

function isBlankSlice(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    // space, tab, CR, VT, FF: what an editor shows as an empty line
    if (c !== 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) return false;
  }
  return true;
}
