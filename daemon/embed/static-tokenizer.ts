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
 * Calls `emit` with each token of `text`, in order, until it returns false or
 * `maxTokens` tokens were emitted. Allocation-light: the hot path of embedding.
 */
export function forEachToken(text: string, maxTokens: number, emit: (token: string) => boolean | void): number {
  let n = 0;
  const len = text.length;
  const parts: string[] = [];
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
    parts.length = 0;
    let s = start;
    for (let j = start; j <= end; j++) {
      c = j < end ? text.charCodeAt(j) : 95;
      if (c === 95 || c === 36) {
        if (j > s) pushPart(text, s, j, parts);
        s = j + 1;
        continue;
      }
      if (j > s && isUpper(c)) {
        const prev = text.charCodeAt(j - 1);
        const next = j + 1 < end ? text.charCodeAt(j + 1) : 0;
        // fooBar | foo1Bar -> boundary before B; HTTPServer -> boundary before S (upper followed by lower)
        if (isLower(prev) || isDigit(prev) || (isUpper(prev) && isLower(next))) {
          pushPart(text, s, j, parts);
          s = j;
        }
      }
    }
    if (parts.length === 0) continue;
    if (parts.length > 1) {
      if (emit(parts.join('_')) === false) return n + 1;
      if (++n >= maxTokens) break;
    }
    for (const p of parts) {
      if (emit(p) === false) return n + 1;
      if (++n >= maxTokens) break;
    }
  }
  return n;
}

function pushPart(text: string, s: number, e: number, parts: string[]): void {
  if (e - s < 2) return;
  let digits = true;
  for (let k = s; k < e; k++)
    if (!isDigit(text.charCodeAt(k))) {
      digits = false;
      break;
    }
  if (digits) return;
  parts.push(text.slice(s, e).toLowerCase());
}

/** The tokens of a text (at most `maxTokens`). */
export function tokenize(text: string, maxTokens = Infinity): string[] {
  const out: string[] = [];
  forEachToken(text, maxTokens, (t) => {
    out.push(t);
  });
  return out;
}
