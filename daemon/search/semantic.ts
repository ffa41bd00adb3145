/**
 * The semantic retriever and the query-side policy of hybrid search.
 *
 * The retriever itself is injected (the engine binds it to the embedding
 * service and vector index), so search code never knows which embedder or
 * vector backend is in use. This module decides how much each retriever counts
 * for a query: an identifier (`parseJsonConfig`, `Cache.get`) leans on symbols
 * and exact words; a sentence ("where do we retry failed uploads") leans on
 * meaning. Weights were tuned on bench/quality (see its README section).
 */
import type { ChunkRow, ViewFilter } from '../store/types.js';

export type SearchMode = 'hybrid' | 'lexical' | 'semantic' | 'symbol';
export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'lexical', 'semantic', 'symbol'];

/** Nearest chunk occurrences to a query in the filtered view, best first. */
export type SemanticRetriever = (query: string, filter: ViewFilter, limit: number) => Promise<(ChunkRow & { similarity: number })[]>;

/**
 * In hybrid search, a chunk found only by meaning must be at least this close
 * (cosine) to count: nearest neighbours always exist, relevant ones do not.
 */
export const MIN_HYBRID_SIMILARITY = 0.3;

export type QueryShape = 'identifier' | 'keywords' | 'sentence';

const IDENTIFIER = /^[\p{L}_$][\p{L}\p{N}_$.:]*$/u;

/** An identifier (one code-like token), a few keywords, or a sentence (4+ words). */
export function queryShape(query: string): QueryShape {
  const q = query.trim();
  if (IDENTIFIER.test(q)) return 'identifier';
  const words = q.match(/[\p{L}\p{N}_$]+/gu) ?? [];
  return words.length >= 4 ? 'sentence' : 'keywords';
}

export interface RetrieverWeights {
  lexical: number;
  symbol: number;
  semantic: number;
}

/**
 * Fusion weights per query shape (reciprocal rank fusion, k = 60).
 *
 * Measured on bench/quality (1,000 stdlib docstring queries): any semantic
 * weight that lets the built-in vectors reorder lexical hits lowered MRR@10
 * (0.1: -6%, 0.3: -15%, 0.5: -21%), because where both retrievers agree on a
 * wrong chunk it rises above the right one. So the built-in vectors weigh just
 * enough to order the hits lexical search does not find (a chunk found only
 * by meaning ranks after every lexical hit, and fills the list when lexical
 * search finds little or nothing). `--mode semantic` uses them alone.
 */
export function retrieverWeights(shape: QueryShape): RetrieverWeights {
  switch (shape) {
    case 'identifier':
      // A name is looked up, not interpreted: near-miss "meanings" of a name are noise.
      return { lexical: 1, symbol: 1.2, semantic: 0 };
    case 'keywords':
      return { lexical: 1, symbol: 0.6, semantic: 0.1 };
    case 'sentence':
      return { lexical: 1, symbol: 0.4, semantic: 0.05 };
  }
}
