/**
 * Identifier-aware tokenization shared by indexing (FTS text) and querying.
 * `parseJsonConfig`, `parse_json_config` and `ParseJSONConfig` all yield the whole
 * identifier plus `parse`, `json`, `config`, so natural words find code names.
 */

const WORD = /[\p{L}\p{N}_$]+/gu;
// Splits camelCase, PascalCase, acronyms (JSONConfig -> JSON Config) and digits.
const CAMEL_PART = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+/gu;

const NON_ASCII = /[^\x00-\x7f]/;

// Character classes of ASCII codes for the fast path: 0 other, 1 upper, 2 lower, 3 digit, 4 `_`/`$`.
const CLASS = new Uint8Array(128);
for (let c = 65; c <= 90; c++) CLASS[c] = 1;
for (let c = 97; c <= 122; c++) CLASS[c] = 2;
for (let c = 48; c <= 57; c++) CLASS[c] = 3;
CLASS[95] = 4;
CLASS[36] = 4;

/**
 * The same split as the regular expressions above, for ASCII identifiers, by
 * character classes: tokenizing is a third of the indexing work, and the
 * Unicode-aware regexes were most of it. Pieces are separated by `_`/`$` runs;
 * within one, an upper-case run followed by a lower-case letter gives its last
 * capital to the next part (`JSONConfig` -> JSON, Config).
 */
function splitAscii(word: string, out: string[], lower = word.toLowerCase(), from = 0, to = word.length): void {
  let i = from;
  while (i < to) {
    const k = CLASS[word.charCodeAt(i)];
    if (k === 4 || k === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    if (k === 1) {
      while (j < to && CLASS[word.charCodeAt(j)] === 1) j++;
      const lowerNext = j < to && CLASS[word.charCodeAt(j)] === 2;
      if (lowerNext && j - i >= 2)
        j--; // leave the last capital to the next part
      else if (lowerNext) while (j < to && CLASS[word.charCodeAt(j)] === 2) j++;
    } else {
      while (j < to && CLASS[word.charCodeAt(j)] === k) j++;
    }
    out.push(lower.slice(i, j));
    i = j;
  }
}

/** Lowercased parts of one identifier, e.g. `getHTTPResponse2` -> get, http, response, 2. */
export function splitIdentifier(word: string): string[] {
  if (!NON_ASCII.test(word)) {
    const out: string[] = [];
    splitAscii(word, out);
    return out;
  }
  return splitIdentifierUnicode(word);
}

function splitIdentifierUnicode(word: string): string[] {
  const parts: string[] = [];
  for (const piece of word.split(/[_$]+/)) {
    if (!piece) continue;
    const sub = piece.match(CAMEL_PART);
    if (!sub) continue;
    for (const s of sub) parts.push(s.toLowerCase());
  }
  return parts;
}

/** Words of a text as written (identifiers kept whole, `$`/`_` kept inside). */
export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

/**
 * Text for the full-text index: each identifier lowercased whole, followed by its
 * parts when it has more than one. Pure punctuation is dropped.
 */
export function indexText(text: string): string {
  if (!NON_ASCII.test(text)) return indexTextAscii(text);
  const out: string[] = [];
  for (const w of words(text)) {
    const whole = w.replace(/^[_$]+|[_$]+$/g, '').toLowerCase();
    if (!whole) continue;
    const parts = splitIdentifier(w);
    out.push(normalizeToken(whole));
    if (parts.length > 1) for (const p of parts) out.push(p);
  }
  return out.join(' ');
}

/** indexText for ASCII text: one scan by character class, no regular expressions. */
function indexTextAscii(text: string): string {
  // ASCII: lowercasing keeps every index, so tokens are sliced from one lowercased copy.
  const lower = text.toLowerCase();
  const out: string[] = [];
  const parts: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (CLASS[text.charCodeAt(i)] === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && CLASS[text.charCodeAt(j)] !== 0) j++;
    // Trim `_`/`$` at both ends for the whole identifier (`__init__` -> init).
    let a = i;
    let b = j;
    while (a < b && CLASS[text.charCodeAt(a)] === 4) a++;
    while (b > a && CLASS[text.charCodeAt(b - 1)] === 4) b--;
    if (a < b) {
      const whole = lower.slice(a, b);
      out.push(whole.includes('$') ? normalizeToken(whole) : whole);
      parts.length = 0;
      splitAscii(text, parts, lower, i, j);
      if (parts.length > 1) for (const p of parts) out.push(p);
    }
    i = j;
  }
  return out.join(' ');
}

/** `$` is not a token character for SQLite's unicode61 tokenizer; keep tokens alnum/_ only. */
function normalizeToken(t: string): string {
  return t.replace(/\$/g, '_');
}

const STOPWORDS = new Set(
  (
    'a an and are as at be by do does did for from how i if in into is it its of on or our so that the their then there these this ' +
    'to was we were what when where which who why will with you your can find code show me all any get'
  ).split(' '),
);

export interface QueryTerm {
  /** The word as the user typed it, lowercased. */
  whole: string;
  /** Its identifier parts (length 1 when it is a plain word). */
  parts: string[];
}

/**
 * Query words worth searching for. Stopwords are dropped unless the query is made
 * only of them (then searching for them is better than searching for nothing).
 * `get` is a stopword only in sentences: a one-word query keeps it.
 */
export function queryTerms(query: string): QueryTerm[] {
  const all: QueryTerm[] = [];
  const seen = new Set<string>();
  for (const w of words(query)) {
    const whole = normalizeToken(w.replace(/^[_$]+|[_$]+$/g, '').toLowerCase());
    if (!whole || seen.has(whole)) continue;
    seen.add(whole);
    const parts = splitIdentifier(w);
    all.push({ whole, parts: parts.length ? parts : [whole] });
  }
  const kept = all.filter((t) => t.parts.length > 1 || !STOPWORDS.has(t.whole));
  return kept.length ? kept : all;
}

/** Quote a token for an FTS5 MATCH expression. */
export function ftsQuote(token: string): string {
  return `"${token.replace(/"/g, '""')}"`;
}
