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
 * How a hybrid search weighs meaning against words: the semantic weight `a` of the
 * score fusion (lexical = 1 - a; see fusion.ts), and the cosine below which a
 * neighbour is no evidence at all. Per embedder (vectors of different models are
 * not on one scale), tuned on bench/quality's dev split (fusion-weights.ts).
 */
export interface FusionSettings {
  semantic: number;
  minSimilarity: number;
}

/**
 * Fusion weights per query shape. Identifiers are looked up, not interpreted: near-miss
 * "meanings" of a name are noise, so vectors do not count for them. Keywords and
 * sentences get the embedder's tuned semantic weight; symbols (definitions whose
 * name matches the query's words) add a smaller, shape-dependent bonus.
 */
export function retrieverWeights(shape: QueryShape, semantic: number): RetrieverWeights {
  const a = Math.min(1, Math.max(0, semantic));
  switch (shape) {
    case 'identifier':
      return { lexical: 1, symbol: 1.2, semantic: 0 };
    case 'keywords':
      return { lexical: 1 - a, symbol: 0.6, semantic: a };
    case 'sentence':
      return { lexical: 1 - a, symbol: 0.4, semantic: a };
  }
}
