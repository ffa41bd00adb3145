/**
 * The lexical retriever: BM25 over identifier-split chunk text and symbol paths
 * (FTS5), re-ranked so chunks covering more of the query's words come first and
 * definitions of a query word rank above mere mentions.
 */
import type { LexicalRow, MetadataStore, ViewFilter } from '../store/types.js';
import { ftsQuote, splitIdentifier, type QueryTerm } from './tokenize.js';

export interface LexicalHit extends LexicalRow {
  /** Query words this chunk covers (in text, symbol or path). */
  coverage: number;
  /** The chunk defines a symbol named by the query. */
  definition: boolean;
  score: number;
}

/** FTS5 expression: any query word, as a whole identifier or as all of its parts. */
export function ftsExpression(terms: QueryTerm[]): string {
  return terms
    .map((t) => {
      if (t.parts.length <= 1) return ftsQuote(t.whole);
      return `(${ftsQuote(t.whole)} OR (${t.parts.map(ftsQuote).join(' AND ')}))`;
    })
    .join(' OR ');
}

function covers(tokens: Set<string>, t: QueryTerm): boolean {
  return tokens.has(t.whole) || t.parts.every((p) => tokens.has(p));
}

/** Substring test on lowercased text: a cheap stand-in for token presence when re-ranking candidates. */
function mentions(lowerText: string, t: QueryTerm): boolean {
  return lowerText.includes(t.whole) || t.parts.every((p) => lowerText.includes(p));
}

const CANDIDATES = 100;
/** A plain word in more than this share of all chunks is left out of the match (it still counts for coverage). */
const COMMON_WORD_SHARE = 0.2;

/**
 * Words so common that BM25 gives them almost no weight still make FTS5 score every
 * chunk containing them: at 100k chunks, "return" alone matches most of the index.
 * Leave those out of the match when rarer words remain.
 */
async function matchTerms(store: MetadataStore, terms: QueryTerm[], repoIds?: number[]): Promise<QueryTerm[]> {
  if (terms.length < 2 || !store.documentFrequencies) return terms;
  const plain = terms.filter((t) => t.parts.length <= 1).map((t) => t.whole);
  if (!plain.length) return terms;
  // Counted in the searched repositories (all of them when unscoped): what else is indexed never changes the match.
  const { total, df } = await store.documentFrequencies(plain, repoIds);
  if (total < 1000) return terms;
  const common = (t: QueryTerm) => t.parts.length <= 1 && (df.get(t.whole) ?? 0) / total > COMMON_WORD_SHARE;
  const kept = terms.filter((t) => !common(t));
  return kept.length ? kept : terms;
}
const SENTENCE_COVERAGE_BONUS = 0.5;

export interface LexicalOptions {
  /**
   * The query is a sentence: rank by BM25 with a mild bonus per covered word
   * instead of coverage first (with many words, coverage mostly counts common
   * ones; on bench/quality, coverage-first ranking cost a fifth of MRR@10).
   */
  sentence?: boolean;
}

export async function lexicalSearch(
  store: MetadataStore,
  terms: QueryTerm[],
  filter: ViewFilter,
  limit: number,
  opts: LexicalOptions = {},
): Promise<LexicalHit[]> {
  if (!terms.length) return [];
  const rows = await store.searchLexical({
    ...filter,
    match: ftsExpression(await matchTerms(store, terms, filter.repoIds)),
    limit: Math.max(CANDIDATES, limit),
  });
  const hits = rows.map((row): LexicalHit => {
    const lower = `${row.text}\n${row.symbol ?? ''}\n${row.path}`.toLowerCase();
    let coverage = 0;
    for (const t of terms) if (mentions(lower, t)) coverage++;
    const leaf = row.symbol ? row.symbol.slice(row.symbol.lastIndexOf('.') + 1) : '';
    const symbolTokens = new Set([leaf.toLowerCase(), ...splitIdentifier(leaf)]);
    const definition = !!leaf && row.kind !== 'window' && row.kind !== 'statements' && terms.some((t) => covers(symbolTokens, t));
    return { ...row, coverage, definition, score: row.bm25 * (definition ? 1.5 : 1) };
  });
  if (opts.sentence) {
    for (const h of hits) h.score *= 1 + SENTENCE_COVERAGE_BONUS * (h.coverage / terms.length);
    hits.sort((a, b) => b.score - a.score);
  } else hits.sort((a, b) => b.coverage - a.coverage || b.score - a.score);
  return hits.slice(0, limit);
}
