/**
 * Hybrid code search: retrievers run on the same filtered view and are fused by
 * reciprocal rank fusion. Later retrievers (vectors, history) plug in as more
 * ranked lists; nothing here knows which store backend is in use.
 */
import type { ChunkKind } from '../lang/types.js';
import type { ChunkRow, MetadataStore } from '../store/types.js';
import { toViewFilter, type SearchFilters } from './filters.js';
import { scoreFusion, type RankedList } from './fusion.js';
import { fusionFor, TUNED } from './fusion-weights.js';
import { isTestPath, queryAboutTests } from './test-files.js';
import { lexicalSearch } from './lexical.js';
import { attachHistory, historySearch, hitSnippet, type HistoryRetrieverHit } from './history.js';
import type { HistoryBoosts, HistorySummary } from './history-summary.js';
import { definitionsOf, findSymbols } from './symbols.js';
import { rankNamesByWords } from './fuzzy.js';
import { queryTerms } from './tokenize.js';
import { queryShape, retrieverWeights, type FusionSettings, type SearchMode, type SemanticRetriever } from './semantic.js';

export interface SearchOptions extends SearchFilters {
  limit: number;
  /** The history retriever's weight in the fusion (0: off) and the optional history boosts. */
  historyWeight?: number;
  boosts?: HistoryBoosts;
  /** Commits touching more files than this are not followed by the history retriever. */
  maxCommitFiles?: number;
  /** Which retrievers run: all fused (default), or one alone. */
  mode?: SearchMode;
  /** The vector retriever, when semantic search is available. */
  semantic?: SemanticRetriever;
  /** How meaning counts against words (the serving model's tuned settings unless overridden; see fusion-weights.ts). */
  fusion?: FusionSettings;
  /** Score factor for hits in test files when the query is not about tests (default: tuned; 1 = off). */
  testFileFactor?: number;
  /** Spans for each retriever and the fusion (a TraceSpan; main thread only: it does not cross to a search worker). */
  trace?: SearchTrace;
}

export interface SearchTrace {
  child(name: string): { end(error?: string): void };
}

/** Default weight of the history retriever: it adds evidence, lexical and symbols lead. `--history` raises it. */
export const HISTORY_WEIGHT = 0.35;
export const HISTORY_WEIGHT_BOOSTED = 2;

/** One search result. The JSON shape (path, startLine, endLine, symbol, language, score, snippet) is a public contract. */
export interface SearchHit {
  repoId: number;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: ChunkKind;
  language: string;
  score: number;
  snippet: string;
  /** Which retrievers found this chunk. */
  retrievers: string[];
  chunkHash: string;
  /** The chunk's full text (not part of the CLI's JSON; MCP/LSP show it). */
  text: string;
  /** Who changed these lines, when and why (from git blame). */
  history: HistorySummary;
  /** Why the hit ranks where it does beyond its retrievers' scores (e.g. a test file ranked below implementation code). */
  why: string[];
}

const IDENTIFIER_QUERY = /^[\p{L}_$][\p{L}\p{N}_$.:]*$/u;

function chunkKey(c: { repoId: number; path: string; startLine: number }): string {
  return `${c.repoId}\0${c.path}\0${c.startLine}`;
}

/** The chunk that holds a symbol's definition: the one named after it, else the one containing its name line. */
function definingChunk(chunks: ChunkRow[], symbolPath: string, nameLine: number): ChunkRow | undefined {
  return (
    chunks.find((c) => c.symbol === symbolPath && c.startLine <= nameLine && nameLine <= c.endLine) ??
    chunks.find((c) => c.startLine <= nameLine && nameLine <= c.endLine)
  );
}

export async function searchCode(store: MetadataStore, query: string, opts: SearchOptions): Promise<SearchHit[]> {
  const terms = queryTerms(query);
  if (!terms.length) return [];
  const filter = toViewFilter(opts);
  const depth = Math.max(50, opts.limit * 3);
  const identifierQuery = IDENTIFIER_QUERY.test(query.trim());
  const mode = opts.mode ?? 'hybrid';
  const shape = queryShape(query);
  const fusion = opts.fusion ?? fusionFor(null);
  const weights = retrieverWeights(shape, fusion.semantic);
  const on = (r: SearchMode) => mode === 'hybrid' || mode === r;
  const stage = <T>(name: string, p: Promise<T>): Promise<T> => {
    if (!opts.trace) return p;
    const span = opts.trace.child(`contextd.search.${name}`);
    return p.then(
      (v) => (span.end(), v),
      (err: unknown) => {
        span.end(err instanceof Error ? err.message : String(err));
        throw err;
      },
    );
  };

  const lexical = on('lexical') ? lexicalSearch(store, terms, filter, depth, { sentence: shape === 'sentence' }) : Promise.resolve([]);
  // Hybrid fuses the vectors' scores with the others (scoreFusion); a neighbour below the
  // embedder's similarity floor is no evidence. Identifier queries do not ask the vectors.
  const semantic =
    opts.semantic && (mode === 'semantic' || (mode === 'hybrid' && weights.semantic > 0))
      ? opts.semantic(query, filter, depth).then((hits) => (mode === 'semantic' ? hits : hits.filter((h) => h.similarity >= fusion.minSimilarity)))
      : Promise.resolve([]);
  const historyWeight = mode === 'hybrid' ? (opts.historyWeight ?? HISTORY_WEIGHT) : 0;
  const historyHits: Promise<HistoryRetrieverHit[]> =
    historyWeight > 0 ? historySearch(store, terms, filter, depth, opts.maxCommitFiles ?? 50) : Promise.resolve([]);
  const symbolOpts = { ...opts, limit: 20 };
  const symbolHits = !on('symbol')
    ? Promise.resolve([])
    : identifierQuery
      ? findSymbols(store, query.trim(), symbolOpts)
      : store.symbolNames().then((names) => definitionsOf(store, rankNamesByWords(terms, names, 40), symbolOpts));

  const [lexHits, symHits, histHits, semHits] = await Promise.all([
    stage('lexical', lexical),
    stage('symbols', symbolHits),
    stage('history', historyHits),
    stage('semantic', semantic),
  ]);
  const fusionSpan = opts.trace?.child('contextd.search.fusion');

  // Map symbol hits to the chunks holding their definitions (one read per file, all at once:
  // against a database server each read is a round trip).
  // Fuzzy subsequence matches are too loose to count as evidence for a code search.
  const definite = symHits.filter((s) => s.match !== 'subsequence' && s.match !== 'substring');
  const fileKey = (s: { repoId: number; path: string }) => `${s.repoId}\0${s.path}`;
  const files = [...new Map(definite.map((s) => [fileKey(s), s])).values()];
  const fileCache = new Map(await Promise.all(files.map(async (s) => [fileKey(s), await store.fileChunks(s.repoId, s.path)] as const)));
  const symbolChunks: ChunkRow[] = [];
  for (const s of definite) {
    const chunks = fileCache.get(fileKey(s))!;
    const symbolPath = s.container ? `${s.container}.${s.name}` : s.name;
    const c = definingChunk(chunks, symbolPath, s.nameLine);
    if (c) symbolChunks.push(c);
  }

  // One retriever alone (a --mode) ranks by its own scores; hybrid weighs them (see semantic.ts).
  const alone = mode !== 'hybrid';
  const lists: RankedList<ChunkRow>[] = [
    { retriever: 'lexical', weight: alone ? 1 : weights.lexical, items: lexHits, scores: lexHits.map((h) => h.score), calibration: 'max' },
    { retriever: 'symbol', weight: alone ? 1 : identifierQuery ? 1.2 : weights.symbol, items: symbolChunks },
    { retriever: 'semantic', weight: alone ? 1 : weights.semantic, items: semHits, scores: semHits.map((h) => h.similarity), calibration: 'minmax' },
    { retriever: 'history', weight: historyWeight, items: histHits },
  ];
  const fused = scoreFusion(lists, chunkKey);
  // Implementation code first unless the query is about tests: a test file's score is scaled down.
  // Not when the search is led by history (--history): a test the matching commit changed is
  // part of what the user asks for ("code by why it changed").
  const testFactor = opts.testFileFactor ?? TUNED.testFileFactor;
  const why = new Map<string, string[]>();
  if (testFactor < 1 && historyWeight <= HISTORY_WEIGHT && !queryAboutTests(query)) {
    let demoted = false;
    for (const f of fused) {
      if (!isTestPath(f.item.path)) continue;
      f.score *= testFactor;
      why.set(chunkKey(f.item), [`test file: score x${testFactor}, implementation code first (the query is not about tests)`]);
      demoted = true;
    }
    if (demoted) fused.sort((a, b) => b.score - a.score);
  }
  fusionSpan?.end();
  const picked = await stage(
    'attach-history',
    attachHistory(store, fused, {
      limit: opts.limit,
      filter: filter.history,
      boosts: opts.boosts,
      matched: new Map(histHits.map((h) => [chunkKey(h), h.matched])),
      keyOf: chunkKey,
    }),
  );
  return picked
    .map((hit) => ({ ...hit, snippet: hitSnippet(hit, terms) }))
    .map(({ item, score, retrievers, history, snippet }) => ({
      repoId: item.repoId,
      path: item.path,
      startLine: item.startLine,
      endLine: item.endLine,
      symbol: item.symbol,
      kind: item.kind,
      language: item.language,
      score: Math.round(score * 1e5) / 1e5,
      snippet,
      retrievers,
      chunkHash: item.chunkHash,
      text: item.text,
      history,
      why: why.get(chunkKey(item)) ?? [],
    }));
}
