/**
 * Text normalisation shared by every embedder and by query handling: code is
 * turned into lowercase words (identifiers split: `parseJsonConfig` -> parse json
 * config), with a light suffix stemmer so `links`, `linked` and `link` meet.
 * Neither neural nor corpus models see punctuation, which only costs tokens.
 */
import { splitIdentifier, words } from '../search/tokenize.js';

/** English and code words that carry no meaning for retrieval. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been being by can could do does did for from has have had he her his how i if in into is it its ' +
    'may might must of on or our she should so such than that the their them then there these they this those to was we were ' +
    'what when where which while who whom why will with would you your also any all each either both other some only ' +
    'e g i.e eg ie etc s t'
  ).split(' '),
);

/** Light, conservative suffix stripping (plural, -ing, -ed, -ly), applied to documents and queries alike. */
export function stem(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) return undouble(w.slice(0, -3));
  if (w.endsWith('ed') && w.length > 4 && !w.endsWith('eed')) return undouble(w.slice(0, -2));
  if (w.endsWith('ly') && w.length > 5) return w.slice(0, -2);
  if (w.endsWith('es') && /(ch|sh|x|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !/(ss|us|is|ys)$/.test(w)) return w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  // stopp(ed) -> stop; but keep "add", "call", "pass".
  if (w.length > 3 && w[w.length - 1] === w[w.length - 2] && !/[lsz]/.test(w[w.length - 1])) return w.slice(0, -1);
  return w;
}

/** Identifier-split, lowercased, stemmed words of a code or prose text, in order. */
export function codeWords(text: string, max = Infinity, stemmed = true): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    for (const p of splitIdentifier(w)) {
      if (p.length < 2 && !/\d/.test(p)) continue;
      out.push(stemmed ? stem(p) : p);
      if (out.length >= max) return out;
    }
  }
  return out;
}

/** Content words of a query: code words without stopwords (all words when nothing else is left). */
export function queryWords(query: string): string[] {
  const all = codeWords(query);
  const kept = all.filter((w) => !STOPWORDS.has(w));
  return kept.length ? kept : all;
}

/**
 * What a neural embedder is given for a chunk: its symbol path, then its
 * identifier-split words, capped (transformer cost grows with length).
 */
export function chunkEmbeddingText(symbol: string | null, text: string, maxWords: number): string {
  const head = symbol ? codeWords(symbol.replace(/\./g, ' '), maxWords, false) : [];
  const body = codeWords(text, maxWords, false);
  return [...head, ...body].slice(0, maxWords).join(' ');
}
