/**
 * Maps the lines of an edited buffer to the lines of the file they came from
 * (the one git blame describes), with a line diff: common prefix and suffix,
 * then Myers' O(ND) shortest edit script over the middle. Unchanged lines map
 * to their old line; inserted or edited lines map to nothing.
 */

/** Beyond this many edits in the middle the diff gives up: middle lines stay unmapped. */
const MAX_EDITS = 2000;

export class LineMap {
  /** For each buffer line (0-based), the 0-based line in the original, or -1. */
  private constructor(
    private readonly toOld: Int32Array,
    readonly identical: boolean,
  ) {}

  static between(buffer: readonly string[], original: readonly string[]): LineMap {
    const n = buffer.length;
    const m = original.length;
    const map = new Int32Array(n).fill(-1);
    let pre = 0;
    while (pre < n && pre < m && buffer[pre] === original[pre]) {
      map[pre] = pre;
      pre++;
    }
    let suf = 0;
    while (suf < n - pre && suf < m - pre && buffer[n - 1 - suf] === original[m - 1 - suf]) {
      map[n - 1 - suf] = m - 1 - suf;
      suf++;
    }
    const identical = n === m && pre === n;
    if (!identical) {
      for (const [bi, oi] of myersMatches(buffer, pre, n - suf, original, pre, m - suf)) map[bi] = oi;
    }
    return new LineMap(map, identical);
  }

  static identity(lines: number): LineMap {
    return new LineMap(
      Int32Array.from({ length: lines }, (_, i) => i),
      true,
    );
  }

  /** The original's 0-based line for a buffer line, or null when the line is new or edited. */
  toOriginal(line: number): number | null {
    const v = line >= 0 && line < this.toOld.length ? this.toOld[line] : -1;
    return v < 0 ? null : v;
  }

  /**
   * The original lines (0-based, inclusive) covering buffer lines first..last:
   * from the first mapped line to the last mapped line inside it; null when none maps.
   */
  rangeToOriginal(first: number, last: number): [number, number] | null {
    let a = -1;
    let b = -1;
    for (let i = Math.max(0, first); i <= Math.min(last, this.toOld.length - 1); i++) {
      const v = this.toOld[i];
      if (v < 0) continue;
      if (a < 0) a = v;
      b = v;
    }
    return a < 0 ? null : [a, b];
  }
}

/** Matching (buffer index, original index) pairs of a shortest edit script between a[aLo..aHi) and b[bLo..bHi). */
function myersMatches(a: readonly string[], aLo: number, aHi: number, b: readonly string[], bLo: number, bHi: number): [number, number][] {
  const n = aHi - aLo;
  const m = bHi - bLo;
  if (n === 0 || m === 0) return [];
  // Lines as small integers: comparisons in the inner loop are then cheap.
  const ids = new Map<string, number>();
  const intern = (s: string) => {
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = ids.size));
    return id;
  };
  const A = Int32Array.from({ length: n }, (_, i) => intern(a[aLo + i]));
  const B = Int32Array.from({ length: m }, (_, i) => intern(b[bLo + i]));
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d..d] as it was before step d.
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && A[x] === B[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  if (!found) return [];
  const pairs: [number, number][] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const prev = trace[d];
    const at = (k: number) => prev[k + d];
    const k = x - y;
    let prevK: number;
    if (d === 0) prevK = 0;
    else prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      pairs.push([aLo + x, bLo + y]);
    }
    x = prevX;
    y = prevY;
  }
  return pairs;
}
