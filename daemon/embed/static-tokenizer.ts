/**
 * The tokenizer of the built-in static code model (static-embedder.ts), and the
 * one definition of it: the training pipeline (daemon/embed/train/) tokenizes
 * every training pair with this function and hands the tokens to the Python
 * trainer, which never tokenizes anything itself. tests/embed-static.test.ts
 * checks it against a golden sample written by the pipeline.
 *
 * Tokens, in text order:
 *  - every ASCII identifier-or-word run ([A-Za-z0-9_$]) is split into lowercase
 *    subwords at `_`/`$`, lower->Upper and ACRONYMWord boundaries (`HTTPServer`
 *    -> http, server); digits stay with the letters before them (`utf8`, `int64`);
 *  - a subword of one character, or made of digits only, is dropped;
 *  - an identifier of two or more subwords also gives its whole form, the
 *    subwords joined by `_` (`parseJsonConfig` and `parse_json_config` -> parse_json_config),
 *    emitted before its parts;
 *  - everything else (punctuation, non-ASCII) separates runs.
 *
 * Changing anything here changes the model's input: bump TOKENIZER_VERSION and retrain.
 */

export const TOKENIZER_VERSION = 1;

/** Longest run looked at (longer ones, e.g. base64 blobs, are skipped whole). */
const MAX_RUN = 64;

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The tokenizer's core: calls `emit(text, starts, ends, first, count)` for each
 * token, in order, until it returns false or `maxTokens` tokens were emitted. A
 * token is the parts `[first, first + count)` (spans of `text`), lowercased and
 * joined with `_` (count 1: a subword; more: a whole identifier). No strings are
 * made here: the embedder looks spans up directly (static-embedder.ts), and
 * `tokenize` below makes strings of the very same spans.
 */
export function forEachTokenSpan(
  text: string,
  maxTokens: number,
  emit: (text: string, starts: Int32Array, ends: Int32Array, first: number, count: number) => boolean | void,
): number {
  let n = 0;
  const len = text.length;
  const starts = SPAN_STARTS;
  const ends = SPAN_ENDS;
  let i = 0;
  while (i < len && n < maxTokens) {
    let c = text.charCodeAt(i);
    if (!isWordChar(c)) {
      i++;
      continue;
    }
    const start = i;
    while (i < len && isWordChar(text.charCodeAt(i))) i++;
    const end = i;
    if (end - start > MAX_RUN) continue;
    // Split the run [start, end) into subwords.
    let np = 0;
    let s = start;
    for (let j = start; j <= end; j++) {
      c = j < end ? text.charCodeAt(j) : 95;
      if (c === 95 || c === 36) {
        if (j > s && keepPart(text, s, j)) {
          starts[np] = s;
          ends[np++] = j;
        }
        s = j + 1;
        continue;
      }
      if (j > s && isUpper(c)) {
        const prev = text.charCodeAt(j - 1);
        const next = j + 1 < end ? text.charCodeAt(j + 1) : 0;
        // fooBar | foo1Bar -> boundary before B; HTTPServer -> boundary before S (upper followed by lower)
        if (isLower(prev) || isDigit(prev) || (isUpper(prev) && isLower(next))) {
          if (keepPart(text, s, j)) {
            starts[np] = s;
            ends[np++] = j;
          }
          s = j;
        }
      }
    }
    if (np === 0) continue;
    if (np > 1) {
      n++;
      if (emit(text, starts, ends, 0, np) === false || n >= maxTokens) return n;
    }
    for (let k = 0; k < np; k++) {
      n++;
      if (emit(text, starts, ends, k, 1) === false || n >= maxTokens) return n;
    }
  }
  return n;
}

/** Parts of one run (a run is at most MAX_RUN characters, so at most MAX_RUN / 2 parts). */
const SPAN_STARTS = new Int32Array(MAX_RUN);
const SPAN_ENDS = new Int32Array(MAX_RUN);

/** A part counts when it has two characters or more and is not all digits. */
function keepPart(text: string, s: number, e: number): boolean {
  if (e - s < 2) return false;
  for (let k = s; k < e; k++) if (!isDigit(text.charCodeAt(k))) return true;
  return false;
}

/** The string of a token (see forEachTokenSpan). */
export function tokenString(text: string, starts: Int32Array, ends: Int32Array, first: number, count: number): string {
  if (count === 1) return text.slice(starts[first], ends[first]).toLowerCase();
  let out = '';
  for (let k = first; k < first + count; k++) out += (k > first ? '_' : '') + text.slice(starts[k], ends[k]);
  return out.toLowerCase();
}

/** Calls `emit` with each token string of `text` (at most `maxTokens`). */
export function forEachToken(text: string, maxTokens: number, emit: (token: string) => boolean | void): number {
  return forEachTokenSpan(text, maxTokens, (t, s, e, f, c) => emit(tokenString(t, s, e, f, c)));
}

/** The tokens of a text (at most `maxTokens`). */
export function tokenize(text: string, maxTokens = Infinity): string[] {
  const out: string[] = [];
  forEachToken(text, maxTokens, (t) => {
    out.push(t);
  });
  return out;
}
