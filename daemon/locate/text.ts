/**
 * Tokens for change localization: the index's identifier-aware split (`indexText`), so a
 * description's words meet the code's names, minus English function words (they would make
 * every file and every commit message look alike).
 */
import { indexText } from '../search/tokenize.js';

const STOPWORDS = new Set(
  (
    'a an and are as at be been by but do does did for from has have had how i if in into is it its of on or our so ' +
    'than that the their them then there these they this those to was we were what when where which while who why will ' +
    'with would you your can could should not no now also only just more most some such very via'
  ).split(' '),
);

/** Lowercased tokens of a text (identifiers whole and split), function words and 1-letter tokens dropped. */
export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const t of indexText(text).split(' ')) if (t.length > 1 && !STOPWORDS.has(t)) out.push(t);
  return out;
}

/** Tokens of a path: directory and file names split like identifiers (`lib/router/index.js` → lib, router, index, js). */
export function pathTokens(path: string): string[] {
  return tokens(path.replace(/[/.\\-]/g, ' '));
}
