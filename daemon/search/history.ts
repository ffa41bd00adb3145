/**
 * The history retriever and the history part of every hit.
 *
 * Retriever: commit messages (subject + body, identifier-split, BM25) -> the
 * best commits -> the lines they still own (blame) -> the chunks holding those
 * lines. So "fix race in cache invalidation" finds the code that commit
 * changed even when the code never says "race". A chunk scores the sum over
 * its matching commits of (message score x share of the query's words the
 * message covers, squared) x (1/2 + 1/2 x share of the chunk's lines the
 * commit owns).
 *
 * Hits: after fusion, each hit gets its HistorySummary; history filters are
 * checked again on the blame (a safety net for retrievers that cannot push
 * them into their query) and the optional boosts re-rank.
 */
import type { ChunkRow, MetadataStore, RangeBlame, ViewFilter } from '../store/types.js';
import type { Fused } from './fusion.js';
import { blameMatches, boostFactor, hasHistoryFilter, summarizeBlame, type HistoryBoosts, type HistorySummary } from './history-summary.js';
import { ftsExpression } from './lexical.js';
import { makeSnippet } from './snippet.js';
import { indexText, type QueryTerm } from './tokenize.js';

export interface HistoryRetrieverHit extends ChunkRow {
  score: number;
  /** Matching commits, best first. */
  matched: { sha: string; subject: string }[];
}

/** How many best-matching commits are followed to their lines. */
const COMMITS = 100;

export async function historySearch(
  store: MetadataStore,
  terms: QueryTerm[],
  filter: ViewFilter,
  limit: number,
  maxCommitFiles: number,
): Promise<HistoryRetrieverHit[]> {
  if (!terms.length) return [];
  const rows = await store.searchCommitChunks({ ...filter, match: ftsExpression(terms), commitLimit: COMMITS, maxCommitFiles });
  const coverage = new Map<string, number>();
  const covered = (sha: string, subject: string, body: string): number => {
    let c = coverage.get(sha);
    if (c === undefined) {
      const tokens = new Set(indexText(`${subject} ${body}`).split(' '));
      const n = terms.filter((t) => tokens.has(t.whole) || t.parts.every((p) => tokens.has(p))).length;
      c = (n / terms.length) ** 2;
      coverage.set(sha, c);
    }
    return c;
  };
  const byChunk = new Map<string, HistoryRetrieverHit & { best: number[] }>();
  for (const r of rows) {
    const key = `${r.repoId}\0${r.path}\0${r.startLine}`;
    const lines = r.endLine - r.startLine + 1;
    const add = r.commitScore * covered(r.commitSha, r.commitSubject, r.commitBody) * (0.5 + (0.5 * Math.min(r.ownedLines, lines)) / lines);
    let hit = byChunk.get(key);
    if (!hit) {
      const { commitSha: _s, commitSubject: _j, commitBody: _b, commitScore: _c, ownedLines: _o, ...chunk } = r;
      hit = { ...chunk, score: 0, matched: [], best: [] };
      byChunk.set(key, hit);
    }
    hit.score += add;
    hit.matched.push({ sha: r.commitSha, subject: r.commitSubject });
    hit.best.push(add);
  }
  const hits = [...byChunk.values()];
  for (const h of hits) {
    const order = h.matched.map((m, i) => ({ m, s: h.best[i] })).sort((a, b) => b.s - a.s);
    h.matched = order.map((o) => o.m).slice(0, 5);
  }
  hits.sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine));
  return hits.slice(0, limit).map(({ best: _b, ...h }) => h);
}

export interface AttachOptions {
  limit: number;
  filter?: ViewFilter['history'];
  boosts?: HistoryBoosts;
  /** Commits matched by the history retriever, per chunk key. */
  matched?: Map<string, { sha: string; subject: string }[]>;
  keyOf: (c: ChunkRow) => string;
  now?: number;
}

export type WithHistory<T> = Fused<T> & {
  history: HistorySummary;
  /** For a hit found only through commit messages: the first line the best matching commit still owns. */
  focusLine?: number;
};

/**
 * The hit's excerpt: the lines matching the query words; for a hit only commit
 * messages found, the lines the matching commit wrote (the chunk's head says nothing).
 */
export function hitSnippet(hit: WithHistory<ChunkRow>, terms: QueryTerm[]): string {
  const { item, focusLine } = hit;
  if (focusLine !== undefined && !hit.retrievers.includes('lexical')) {
    const from = Math.max(0, focusLine - item.startLine);
    return makeSnippet(item.text.split('\n').slice(from).join('\n'), focusLine, terms).text;
  }
  return makeSnippet(item.text, item.startLine, terms).text;
}

/**
 * The top `limit` fused items with their history. With a history filter or a boost,
 * more candidates are looked at so that filtering and re-ranking still fill the page.
 */
export async function attachHistory<T extends ChunkRow>(store: MetadataStore, fused: Fused<T>[], opts: AttachOptions): Promise<WithHistory<T>[]> {
  const filtering = hasHistoryFilter(opts.filter);
  const boosting = !!(opts.boosts?.recent || opts.boosts?.churn);
  const pool = filtering || boosting ? fused.slice(0, Math.max(opts.limit * 5, 100)) : fused.slice(0, opts.limit);
  if (!pool.length) return [];
  const blames: RangeBlame[] = await store.blameForRanges(
    pool.map(({ item }) => ({ repoId: item.repoId, path: item.path, startLine: item.startLine, endLine: item.endLine })),
  );
  const grafts = new Map<number, Set<string>>();
  for (const repoId of new Set(pool.map((p) => p.item.repoId))) {
    grafts.set(repoId, new Set((await store.historyState(repoId))?.grafts ?? []));
  }
  const now = opts.now ?? Date.now();
  const out: WithHistory<T>[] = [];
  pool.forEach((f, i) => {
    const blame = blames[i];
    if (filtering && !blameMatches(blame, opts.filter!, now)) return;
    const history = summarizeBlame(blame, grafts.get(f.item.repoId)!, now);
    const matched = opts.matched?.get(opts.keyOf(f.item));
    if (matched?.length) history.matched = matched;
    const best = matched?.length ? blame.owners.find((o) => o.commit?.sha === matched[0].sha) : undefined;
    const focusLine = best?.ranges[0]?.[0];
    out.push({ ...f, score: boosting ? f.score * boostFactor(history, opts.boosts!) : f.score, history, ...(focusLine !== undefined ? { focusLine } : {}) });
  });
  if (boosting) out.sort((a, b) => b.score - a.score);
  return out.slice(0, opts.limit);
}
