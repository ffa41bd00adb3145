/**
 * `contextd locate`: which files a described change would touch. Ranks the view's files by
 * the signals of signals.ts, combined with weights learned from the repository's own
 * history (replay: each older commit's message asked against the history before it,
 * target = the files it changed), and says why for each file.
 */
import type { StoredLocateModel } from '../store/locate-types.js';
import type { LocateCorpus } from './corpus.js';
import { combine, learn, parseModel, type LocateModel, type ReplayQuery, type TrainingReport, type Weights } from './model.js';
import { roleOf, type FileRole } from './pairing.js';
import { querySignals, SIGNAL_SETTINGS, SIGNALS, type ChunkSearch, type Signal, type SignalSettings } from './signals.js';
import { tokens } from './text.js';

export interface LocatedFile {
  path: string;
  score: number;
  /** 'test' for test files (ranked below sources unless the description is about tests). */
  role: FileRole;
  /** Files of the other role that go with it (a source's tests, a test's sources). */
  paired: string[];
  /** Why it ranks here, one line each. */
  reasons: string[];
  /** Each signal's normalized score (0..1). */
  signals: Record<Signal, number>;
}

export interface LocateModelInfo {
  source: 'learned' | 'defaults';
  weights: Weights;
  testFactor: number;
  /** The commit the training ended at (the indexed commit then); null for defaults never stored. */
  trainedCommit: string | null;
  trainedAt: number | null;
  historyCommits: number;
  training: TrainingReport;
}

export interface LocateAnswer {
  files: LocatedFile[];
  model: LocateModelInfo;
}

/** Replayed commits: at most this many, the newest (the oldest have too little history before them). */
export const MAX_REPLAY = 150;
/** A replayable commit changed 1..this many files of today's view. */
const MAX_REPLAY_FILES = 8;
/** Commits before the first replayed one (history to learn from). */
const MIN_PAST = 3;

/** What a replayed commit changed: its files in today's view, bookkeeping files left out. */
export function replayTargets(corpus: LocateCorpus, j: number): number[] {
  return corpus.commitFiles[j].filter((f) => !corpus.bookkeeping.has(f));
}

/** The commits training replays, oldest first: enough words, a few files that exist today. */
export function replayCommits(corpus: LocateCorpus): number[] {
  const out: number[] = [];
  for (let j = MIN_PAST; j < corpus.commits.length; j++) {
    const n = replayTargets(corpus, j).length;
    if (n < 1 || n > MAX_REPLAY_FILES) continue;
    const c = corpus.commits[j];
    if (tokens(`${c.subject}\n${c.body}`).filter((t) => !/^\d+$/.test(t)).length < 3) continue;
    out.push(j);
  }
  return out.slice(-MAX_REPLAY);
}

/** Trains on the corpus's own history (nothing past its last commit, the indexed one). */
export async function trainModel(corpus: LocateCorpus, chunkSearch: ChunkSearch | null, settings: SignalSettings = SIGNAL_SETTINGS): Promise<LocateModel> {
  const picks = replayCommits(corpus);
  const queries: ReplayQuery[] = [];
  for (const j of picks) {
    const c = corpus.commits[j];
    const description = `${c.subject}\n${c.body}`.trim();
    const f = await querySignals(corpus, description, j, chunkSearch, settings);
    queries.push({ description, candidates: f.candidates, targets: new Set(replayTargets(corpus, j)) });
  }
  return learn(corpus, queries, picks.length ? corpus.commits[picks[picks.length - 1]].sha : null);
}

/** A stored model must be retrained: none, unreadable, history rewritten, or grown by a tenth (at least 10 commits). */
export function needsTraining(stored: StoredLocateModel | null, corpus: LocateCorpus): boolean {
  if (!stored || !parseModel(stored.model)) return true;
  const n = corpus.commits.length;
  if (!corpus.commits.some((c) => c.sha === stored.trainedCommit)) return n > 0;
  return Math.abs(n - stored.historyCommits) >= Math.max(10, stored.historyCommits * 0.1);
}

export function modelInfo(model: LocateModel, stored: StoredLocateModel | null, historyCommits: number): LocateModelInfo {
  return {
    source: model.training.source,
    weights: model.weights,
    testFactor: model.testFactor,
    trainedCommit: stored?.trainedCommit ?? null,
    trainedAt: stored?.trainedAt ?? null,
    historyCommits: stored?.historyCommits ?? historyCommits,
    training: model.training,
  };
}

const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

/** Ranks files for a description against the whole indexed history. */
export async function locateFiles(
  corpus: LocateCorpus,
  description: string,
  model: LocateModel,
  chunkSearch: ChunkSearch | null,
  limit: number,
  settings: SignalSettings = SIGNAL_SETTINGS,
): Promise<LocatedFile[]> {
  const { candidates } = await querySignals(corpus, description, corpus.commits.length, chunkSearch, settings);
  const ranked = combine(corpus, candidates, model, description).slice(0, limit);
  const shown = new Set(ranked.map((r) => corpus.files[r.file]));
  return ranked.map(({ file, score, candidate: c }) => {
    const path = corpus.files[file];
    const role = roleOf(path);
    const reasons: string[] = [];
    for (const h of c.bestChunks.slice(0, 2)) reasons.push(`matches ${h.symbol ? `${h.symbol} at ` : ''}${h.path}:${h.startLine}-${h.endLine}`);
    if (c.signals.lexical >= 0.5 && !c.bestChunks.length) reasons.push(`the file's words match the description (lexical ${c.signals.lexical.toFixed(2)})`);
    for (const v of c.votes.slice(0, 2)) {
      const cm = corpus.commits[v.commit];
      reasons.push(
        `similar past commit ${cm.sha.slice(0, 7)} "${cm.subject.slice(0, 72)}" (${iso(cm.authorTime)}, ${cm.files.length} file${cm.files.length === 1 ? '' : 's'})`,
      );
    }
    if (c.partners.length && c.signals.cochange >= 0.2) {
      reasons.push(
        `changes together with ${c.partners
          .slice(0, 2)
          .map((p) => corpus.files[p.file])
          .join(', ')}`,
      );
    }
    const touched = corpus.fileCommits[file];
    if (touched.length) {
      const last = corpus.commits[touched[touched.length - 1]];
      reasons.push(`last changed ${iso(last.authorTime)} by ${last.sha.slice(0, 7)}; ${touched.length} commit${touched.length === 1 ? '' : 's'} touched it`);
    }
    const paired = corpus.pairs.get(path) ?? [];
    if (paired.length)
      reasons.push(
        role === 'test'
          ? `test of ${paired.slice(0, 2).join(', ')}`
          : `tests: ${paired.slice(0, 2).join(', ')}${paired.some((p) => shown.has(p)) ? ' (ranked too)' : ''}`,
      );
    const signals = Object.fromEntries(SIGNALS.map((s) => [s, Number(c.signals[s].toFixed(4))])) as Record<Signal, number>;
    return { path, score: Number(score.toFixed(4)), role, paired, reasons, signals };
  });
}
