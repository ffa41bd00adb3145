/**
 * How the signals combine (a weighted sum, test files scaled unless the description is
 * about tests), the ranking metrics, and the per-repository learning: a coordinate-ascent
 * grid search over the weights that maximizes MRR@10 on replayed past commits. Small on
 * purpose: a repository offers tens to hundreds of replayable commits, too few for
 * anything with more parameters, and a grid search is easy to explain in `--explain`.
 */
import { queryAboutTests } from '../search/test-files.js';
import type { LocateCorpus } from './corpus.js';
import { roleOf } from './pairing.js';
import { SIGNALS, type Candidate, type Signal } from './signals.js';

export type Weights = Record<Signal, number>;

export interface LocateWeights {
  weights: Weights;
  /** Factor on test files' scores when the description is not about tests. */
  testFactor: number;
}

/** Defaults for a repository with too little history to learn from, and where the learning starts (tuned on bench/quality's dev split: locate-bench.ts --tune). */
export const DEFAULT_WEIGHTS: LocateWeights = {
  weights: { lexical: 1, path: 1, chunks: 1, commits: 1, cochange: 0.25, recency: 0.1, churn: 0.1 },
  testFactor: 0.5,
};

export interface Metrics {
  queries: number;
  r1: number;
  r5: number;
  mrr10: number;
}

/** What the training did, shown by `contextd locate --explain`. */
export interface TrainingReport {
  /** 'learned': weights fitted on this repository's replayed commits; 'defaults': too little history. */
  source: 'learned' | 'defaults';
  reason: string;
  /** Replayed commits (query = message, target = files it changed, history before it only). */
  queries: number;
  /** On every replayed commit: the defaults and the fitted weights (in-sample). */
  train: { defaults: Metrics; learned: Metrics } | null;
  /** Fitted on the older two thirds, measured on the newest third (out of sample). */
  validation: { fitOn: number; evalOn: number; defaults: Metrics; learned: Metrics } | null;
  /** The newest commit a replay used: never newer than the indexed commit. */
  newestReplayed: string | null;
}

export interface LocateModel extends LocateWeights {
  version: 1;
  training: TrainingReport;
}

export interface Scored {
  file: number;
  score: number;
  candidate: Candidate;
}

export function combine(corpus: LocateCorpus, candidates: readonly Candidate[], w: LocateWeights, description: string): Scored[] {
  const aboutTests = queryAboutTests(description);
  const out: Scored[] = [];
  for (const c of candidates) {
    let score = 0;
    for (const s of SIGNALS) score += w.weights[s] * c.signals[s];
    if (!aboutTests && roleOf(corpus.files[c.file]) === 'test') score *= w.testFactor;
    if (score > 0) out.push({ file: c.file, score, candidate: c });
  }
  out.sort((a, b) => b.score - a.score || (corpus.files[a.file] < corpus.files[b.file] ? -1 : 1));
  return out;
}

/** R@1, R@5, MRR@10 of one ranking (a hit = any target file). */
export function rankMetrics(ranked: readonly number[], targets: ReadonlySet<number>): { r1: number; r5: number; rr10: number } {
  const first = ranked.findIndex((f) => targets.has(f));
  return { r1: first === 0 ? 1 : 0, r5: first >= 0 && first < 5 ? 1 : 0, rr10: first >= 0 && first < 10 ? 1 / (first + 1) : 0 };
}

export interface ReplayQuery {
  description: string;
  candidates: Candidate[];
  targets: Set<number>;
}

export function evaluate(corpus: LocateCorpus, queries: readonly ReplayQuery[], w: LocateWeights): Metrics {
  let r1 = 0;
  let r5 = 0;
  let mrr = 0;
  for (const q of queries) {
    const m = rankMetrics(
      combine(corpus, q.candidates, w, q.description).map((s) => s.file),
      q.targets,
    );
    r1 += m.r1;
    r5 += m.r5;
    mrr += m.rr10;
  }
  const n = Math.max(1, queries.length);
  return { queries: queries.length, r1: r1 / n, r5: r5 / n, mrr10: mrr / n };
}

const GRID = [0, 0.1, 0.25, 0.5, 1, 2, 4];
const TEST_GRID = [0.25, 0.5, 0.75, 1];

/** Coordinate ascent over the grid from the defaults: best mean MRR@10 (then R@1); ties keep the current value. */
export function fitWeights(corpus: LocateCorpus, queries: readonly ReplayQuery[], start: LocateWeights = DEFAULT_WEIGHTS): LocateWeights {
  let best: LocateWeights = { weights: { ...start.weights }, testFactor: start.testFactor };
  const objective = (w: LocateWeights) => {
    const m = evaluate(corpus, queries, w);
    return m.mrr10 + 0.1 * m.r1;
  };
  let bestScore = objective(best);
  for (let pass = 0; pass < 3; pass++) {
    let improved = false;
    for (const s of SIGNALS) {
      for (const v of GRID) {
        if (v === best.weights[s]) continue;
        const trial = { weights: { ...best.weights, [s]: v }, testFactor: best.testFactor };
        const score = objective(trial);
        if (score > bestScore + 1e-9) {
          best = trial;
          bestScore = score;
          improved = true;
        }
      }
    }
    for (const v of TEST_GRID) {
      const trial = { weights: best.weights, testFactor: v };
      const score = objective(trial);
      if (score > bestScore + 1e-9) {
        best = trial;
        bestScore = score;
        improved = true;
      }
    }
    if (!improved) break;
  }
  return best;
}

/** Fewer replayable commits than this: the defaults (a fit on a handful of commits is noise). */
export const MIN_TRAINING_QUERIES = 12;

/** Learns the weights from replayed commits (oldest first), with an out-of-sample check on the newest third. */
export function learn(corpus: LocateCorpus, queries: readonly ReplayQuery[], newestReplayed: string | null): LocateModel {
  if (queries.length < MIN_TRAINING_QUERIES) {
    return {
      version: 1,
      ...DEFAULT_WEIGHTS,
      training: {
        source: 'defaults',
        reason: `${queries.length} replayable commit${queries.length === 1 ? '' : 's'} (at least ${MIN_TRAINING_QUERIES} needed)`,
        queries: queries.length,
        train: null,
        validation: null,
        newestReplayed,
      },
    };
  }
  const cut = Math.floor((queries.length * 2) / 3);
  const older = queries.slice(0, cut);
  const newer = queries.slice(cut);
  const early = fitWeights(corpus, older);
  const validation = { fitOn: older.length, evalOn: newer.length, defaults: evaluate(corpus, newer, DEFAULT_WEIGHTS), learned: evaluate(corpus, newer, early) };
  const fitted = fitWeights(corpus, queries);
  const train = { defaults: evaluate(corpus, queries, DEFAULT_WEIGHTS), learned: evaluate(corpus, queries, fitted) };
  // Model selection: weights fitted on the older commits must beat the defaults on the newer ones.
  if (validation.learned.mrr10 < validation.defaults.mrr10) {
    return {
      version: 1,
      ...DEFAULT_WEIGHTS,
      training: {
        source: 'defaults',
        reason: `fitted weights did worse than the defaults on the newest ${newer.length} replayed commits (MRR@10 ${validation.learned.mrr10.toFixed(2)} vs ${validation.defaults.mrr10.toFixed(2)})`,
        queries: queries.length,
        train,
        validation,
        newestReplayed,
      },
    };
  }
  return {
    version: 1,
    ...fitted,
    training: { source: 'learned', reason: `fitted on ${queries.length} replayed commits`, queries: queries.length, train, validation, newestReplayed },
  };
}

export function parseModel(json: string): LocateModel | null {
  try {
    const m = JSON.parse(json) as LocateModel;
    if (m.version !== 1 || !m.weights || typeof m.testFactor !== 'number') return null;
    for (const s of SIGNALS) if (typeof m.weights[s] !== 'number') return null;
    return m;
  } catch {
    return null;
  }
}
