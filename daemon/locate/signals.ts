/**
 * The signals of change localization, each a score per candidate file, for one
 * description at one point of the history (`cutoff`: commits before it are the past):
 *
 * - lexical:  the file as one BM25 document (length normalization tuned for files, path field)
 * - path:     the description names the file's directory or name (`addressparser: …`, `fix(router): …`):
 *             Σ idf of the path's words in the description (over the view's paths)
 * - chunks:   the best chunk hits of the hybrid search (lexical + symbols + the semantic model), per file
 * - commits:  past commits whose message is like the description vote for the files they
 *             touched, less for large commits (1/√files) and old ones (half-life)
 * - cochange: files changed together with the files the first three already rank high
 * - recency:  how recently the file last changed (half-life); churn: how often
 *
 * Scores are normalized per query (÷ the best candidate's) so that weights mean the same
 * on every repository; model.ts combines them.
 */
import type { LocateCorpus } from './corpus.js';
import { commitsBefore } from './corpus.js';
import { tokens } from './text.js';

export const SIGNALS = ['lexical', 'path', 'chunks', 'commits', 'cochange', 'recency', 'churn'] as const;
export type Signal = (typeof SIGNALS)[number];

/** A chunk hit of the hybrid search (what the chunks signal aggregates). */
export interface ChunkHit {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  score: number;
}
/** The hybrid search, without its own history retriever (the commits signal replaces it, cut off in time). */
export type ChunkSearch = (description: string, limit: number) => Promise<ChunkHit[]>;

/** Fixed settings of the signals (tuned on bench/quality's dev split, see locate-bench.ts). */
export interface SignalSettings {
  fileK1: number;
  fileB: number;
  pathWeight: number;
  /** Similar past commits that vote. */
  commitTopK: number;
  /** Commits touching more files explain no file in particular. */
  maxCommitFiles: number;
  commitHalfLifeDays: number;
  recencyHalfLifeDays: number;
  /** Files the first stage ranks high whose partners get co-change. */
  cochangeSeeds: number;
  chunkLimit: number;
  /** Weight of a file's further chunk hits after its best one. */
  chunkRestWeight: number;
}

export const SIGNAL_SETTINGS: SignalSettings = {
  fileK1: 1.2,
  fileB: 0.75,
  pathWeight: 1,
  commitTopK: 20,
  maxCommitFiles: 50,
  commitHalfLifeDays: 730,
  recencyHalfLifeDays: 180,
  cochangeSeeds: 10,
  chunkLimit: 60,
  chunkRestWeight: 0.3,
};

export interface CommitVote {
  commit: number;
  weight: number;
}

/** One candidate file: its signals (normalized, 0..1) and what explains them. */
export interface Candidate {
  file: number;
  signals: Record<Signal, number>;
  bestChunks: ChunkHit[];
  votes: CommitVote[];
  partners: { file: number; weight: number }[];
}

export interface QueryFeatures {
  candidates: Candidate[];
  /** The time the query is asked at (the cutoff commit's date, or the indexed commit's). */
  at: number;
}

const DAY = 86_400;

function normalize(m: Map<number, number>): Map<number, number> {
  let max = 0;
  for (const v of m.values()) if (v > max) max = v;
  if (max <= 0) return new Map();
  const out = new Map<number, number>();
  for (const [k, v] of m) out.set(k, v / max);
  return out;
}

function top(m: Map<number, number>, n: number): [number, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, n);
}

/** Files voted for by past commits (before `cutoff`) whose messages are like the description. */
export function commitVotes(
  corpus: LocateCorpus,
  query: string[],
  cutoff: number,
  at: number,
  s: SignalSettings,
): { score: Map<number, number>; votes: Map<number, CommitVote[]> } {
  const sims = corpus.commitBm25.score(
    query,
    { k1: 1.2, b: 0.5, fieldWeight: 0 },
    (d) => d < cutoff && corpus.commitFiles[d].length > 0 && corpus.commits[d].files.length <= s.maxCommitFiles,
  );
  const best = top(sims, s.commitTopK);
  const score = new Map<number, number>();
  const votes = new Map<number, CommitVote[]>();
  const max = best[0]?.[1] ?? 0;
  for (const [d, sim] of best) {
    const age = Math.max(0, at - corpus.commits[d].authorTime) / DAY;
    const w = ((sim / max) * Math.pow(0.5, age / s.commitHalfLifeDays)) / Math.sqrt(Math.max(1, corpus.commits[d].files.length));
    for (const f of corpus.commitFiles[d]) {
      if (corpus.bookkeeping.has(f)) continue;
      score.set(f, (score.get(f) ?? 0) + w);
      let v = votes.get(f);
      if (!v) votes.set(f, (v = []));
      v.push({ commit: d, weight: w });
    }
  }
  return { score, votes };
}

/** Partners of the seed files: Σ seed score × (commits changing both, each ÷ its other files) ÷ commits changing the seed, before `cutoff`. */
export function coChange(
  corpus: LocateCorpus,
  seeds: [number, number][],
  cutoff: number,
  s: SignalSettings,
): { score: Map<number, number>; partners: Map<number, { file: number; weight: number }[]> } {
  const score = new Map<number, number>();
  const partners = new Map<number, { file: number; weight: number }[]>();
  for (const [f, seedScore] of seeds) {
    const list = corpus.fileCommits[f];
    const n = commitsBefore(list, cutoff);
    const usable = list.slice(0, n).filter((c) => corpus.commits[c].files.length <= s.maxCommitFiles);
    if (!usable.length) continue;
    // A commit's evidence is shared among its partners: a sweeping commit ties no two files together.
    const counts = new Map<number, number>();
    for (const c of usable) {
      const share = 1 / Math.max(1, corpus.commitFiles[c].length - 1);
      for (const p of corpus.commitFiles[c]) if (p !== f && !corpus.bookkeeping.has(p)) counts.set(p, (counts.get(p) ?? 0) + share);
    }
    for (const [p, k] of counts) {
      const w = (seedScore * k) / usable.length;
      score.set(p, (score.get(p) ?? 0) + w);
      let l = partners.get(p);
      if (!l) partners.set(p, (l = []));
      l.push({ file: f, weight: w });
    }
  }
  return { score, partners };
}

/** Files whose path words (directories and file name, not the extension) the description uses, by Σ idf. */
export function pathMatches(corpus: LocateCorpus, query: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  const n = corpus.files.length;
  for (const t of new Set(query)) {
    const files = corpus.pathWords.get(t);
    if (!files) continue;
    const idf = Math.log(1 + (n - files.length + 0.5) / (files.length + 0.5));
    for (const f of files) out.set(f, (out.get(f) ?? 0) + idf);
  }
  return out;
}

/** Every signal for the candidates of one description, with history cut off before commit `cutoff`. */
export async function querySignals(
  corpus: LocateCorpus,
  description: string,
  cutoff: number,
  chunkSearch: ChunkSearch | null,
  s: SignalSettings = SIGNAL_SETTINGS,
): Promise<QueryFeatures> {
  const q = tokens(description);
  const at = cutoff < corpus.commits.length ? corpus.commits[cutoff].authorTime : (corpus.commits.at(-1)?.authorTime ?? Math.floor(Date.now() / 1000));
  const lexical = normalize(corpus.fileBm25.score(q, { k1: s.fileK1, b: s.fileB, fieldWeight: s.pathWeight }));

  const path = normalize(pathMatches(corpus, q));

  const chunkRaw = new Map<number, number>();
  const bestChunks = new Map<number, ChunkHit[]>();
  const hits = chunkSearch && q.length ? await chunkSearch(description, s.chunkLimit) : [];
  for (const h of hits) {
    const f = corpus.fileIndex.get(h.path);
    if (f === undefined) continue;
    const list = bestChunks.get(f) ?? [];
    // The best chunk counts whole, further ones a little: one strong match beats many weak ones.
    chunkRaw.set(f, (chunkRaw.get(f) ?? 0) + (list.length ? s.chunkRestWeight : 1) * h.score);
    list.push(h);
    bestChunks.set(f, list);
  }
  const chunks = normalize(chunkRaw);
  const cv = commitVotes(corpus, q, cutoff, at, s);
  const commits = normalize(cv.score);

  // Co-change seeds: the files the content and commit signals agree on most.
  const first = new Map<number, number>();
  for (const m of [lexical, chunks, commits]) for (const [f, v] of m) first.set(f, (first.get(f) ?? 0) + v);
  const seeds = top(first, s.cochangeSeeds).map(([f, v]) => [f, v / 3] as [number, number]);
  const cc = coChange(corpus, seeds, cutoff, s);
  const cochange = normalize(cc.score);

  const pool = new Set<number>();
  for (const m of [lexical, chunks, path]) for (const [f] of top(m, 100)) pool.add(f);
  for (const f of commits.keys()) pool.add(f);
  for (const [f] of top(cochange, 50)) pool.add(f);

  const recencyRaw = new Map<number, number>();
  const churnRaw = new Map<number, number>();
  for (const f of pool) {
    const list = corpus.fileCommits[f];
    const n = commitsBefore(list, cutoff);
    if (!n || corpus.bookkeeping.has(f)) continue;
    const last = corpus.commits[list[n - 1]].authorTime;
    recencyRaw.set(f, Math.pow(0.5, Math.max(0, at - last) / DAY / s.recencyHalfLifeDays));
    churnRaw.set(f, Math.log1p(n));
  }
  const churn = normalize(churnRaw);
  const candidates: Candidate[] = [...pool].map((f) => ({
    file: f,
    signals: {
      lexical: lexical.get(f) ?? 0,
      path: path.get(f) ?? 0,
      chunks: chunks.get(f) ?? 0,
      commits: commits.get(f) ?? 0,
      cochange: cochange.get(f) ?? 0,
      recency: recencyRaw.get(f) ?? 0,
      churn: churn.get(f) ?? 0,
    },
    bestChunks: bestChunks.get(f) ?? [],
    votes: (cv.votes.get(f) ?? []).sort((a, b) => b.weight - a.weight),
    partners: (cc.partners.get(f) ?? []).sort((a, b) => b.weight - a.weight),
  }));
  return { candidates, at };
}
