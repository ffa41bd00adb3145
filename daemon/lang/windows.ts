/**
 * Splitting a line range into bounded windows: the whole-file fallback for
 * languages without a parser, and the last resort for definitions or
 * statement runs that are too big for one chunk.
 */
import type { SourceLines } from './lines.js';

export type LineRange = [start: number, end: number];

/**
 * Consecutive, non-overlapping windows covering the non-blank lines of s..e,
 * each at most maxLines lines and maxChars characters (a single longer line is
 * a window of its own: chunks never cut a line). When a window must be cut, it
 * is cut after the last blank line in its second half if there is one, so
 * paragraphs of code stay together; blank lines at window edges are dropped.
 */
export function windowRanges(src: SourceLines, s: number, e: number, maxLines: number, maxChars: number): LineRange[] {
  const out: LineRange[] = [];
  let start = src.firstNonBlank(s, e);
  while (start !== -1) {
    let end = start;
    let chars = src.lineLength(start);
    while (end < e && end - start + 1 < maxLines) {
      const next = chars + 1 + src.lineLength(end + 1);
      if (next > maxChars) break;
      chars = next;
      end++;
    }
    if (end < e) {
      const half = start + Math.floor((end - start) / 2);
      for (let b = end; b > half; b--) {
        if (src.isBlank(b)) {
          end = b - 1;
          break;
        }
      }
    }
    const last = src.lastNonBlank(start, end);
    out.push([start, last]);
    start = end < e ? src.firstNonBlank(end + 1, e) : -1;
  }
  rebalanceTail(src, out, maxLines, maxChars);
  return out;
}

/**
 * Greedy windows can end with a sliver (a 120-line function split at 119
 * leaves its closing brace alone). When the last window is under a quarter of
 * both bounds, re-cut the last two windows near their middle (at a blank line
 * if one is close), as long as both halves stay within bounds. Only the tail
 * moves, so earlier window boundaries stay stable when a file grows.
 */
function rebalanceTail(src: SourceLines, out: LineRange[], maxLines: number, maxChars: number): void {
  if (out.length < 2) return;
  const [ls, le] = out[out.length - 1];
  if (le - ls + 1 >= maxLines / 4 || src.chars(ls, le) >= maxChars / 4) return;
  const [ps] = out[out.length - 2];
  if (le - ps + 1 < 2) return;
  const mid = ps + Math.floor((le - ps) / 2);
  const reach = Math.max(1, Math.floor((le - ps + 1) / 8));
  let cut = mid; // last line of the first half
  for (let d = 0; d <= reach; d++) {
    if (mid + d + 1 <= le && src.isBlank(mid + d + 1)) {
      cut = mid + d;
      break;
    }
    if (mid - d + 1 > ps && src.isBlank(mid - d + 1)) {
      cut = mid - d;
      break;
    }
  }
  const aEnd = src.lastNonBlank(ps, cut);
  const bStart = src.firstNonBlank(cut + 1, le);
  if (aEnd === -1 || bStart === -1) return;
  const ok = (s: number, e: number) => e - s + 1 <= maxLines && src.chars(s, e) <= maxChars;
  if (!ok(ps, aEnd) || !ok(bStart, le)) return;
  out.splice(out.length - 2, 2, [ps, aEnd], [bStart, le]);
}
