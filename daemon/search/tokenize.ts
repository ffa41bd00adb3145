/**
 * Identifier-aware tokenization shared by indexing (FTS text) and querying.
 * `parseJsonConfig`, `parse_json_config` and `ParseJSONConfig` all yield the whole
 * identifier plus `parse`, `json`, `config`, so natural words find code names.
 */

const WORD = /[\p{L}\p{N}_$]+/gu;
// Splits camelCase, PascalCase, acronyms (JSONConfig -> JSON Config) and digits.
const CAMEL_PART = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+/gu;

/** Lowercased parts of one identifier, e.g. `getHTTPResponse2` -> get, http, response, 2. */
export function splitIdentifier(word: string): string[] {
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
