/**
 * A repository's change-localization corpus, built once per indexed state and kept in
 * memory: the view's files as one BM25 document each (body + path field), the commit
 * messages as BM25 documents, and which files each commit touched (mapped to today's
 * paths through renames). Every history signal takes a `cutoff`: only commits before it
 * count, which is how training replays an old commit against the history before it.
 */
import type { LocateCommit, LocateFileText } from '../store/locate-types.js';
import { Bm25Index } from './bm25.js';
import { pairFiles } from './pairing.js';
import { pathTokens, tokens } from './text.js';

export interface LocateCorpus {
  files: string[];
  fileIndex: Map<string, number>;
  /** Body tokens of each file, with its path as the second field. */
  fileBm25: Bm25Index;
  /** Each word of the view's paths (directories, file names without extension) → the files whose path has it. */
  pathWords: Map<string, number[]>;
  /** Oldest first; ends at the indexed commit. */
  commits: LocateCommit[];
  commitBm25: Bm25Index;
  /** Per commit: the view files it touched (today's names; files gone since are left out). */
  commitFiles: number[][];
  /** Per file: the commits that touched it, ascending. */
  fileCommits: number[][];
  /** Tests of each source and sources of each test. */
  pairs: Map<string, string[]>;
  /**
   * Files most commits touch (a version stamp, a changelog): they say nothing about which
   * change a commit made, so they get no history evidence and are no replay target.
   */
  bookkeeping: Set<number>;
}

/** Touched by at least this share of the commits (of at least BOOKKEEPING_MIN_COMMITS): bookkeeping. */
export const BOOKKEEPING_SHARE = 0.5;
const BOOKKEEPING_MIN_COMMITS = 10;

/** The expensive half of a corpus (tokenizing every file): what corpus-cache.ts keeps on disk. */
export interface FileSide {
  files: string[];
  fileBm25: Bm25Index;
}

export function buildFileSide(texts: readonly LocateFileText[]): FileSide {
  const files = texts.map((t) => t.path);
  return {
    files,
    fileBm25: Bm25Index.build(
      texts.map((t) => tokens(t.text)),
      files.map((p) => pathTokens(p)),
    ),
  };
}

/** Commits after the indexed one are never part of the corpus (the log walk stops at HEAD; this is the guard). */
export function buildCorpus(texts: readonly LocateFileText[] | FileSide, allCommits: readonly LocateCommit[], indexedCommit: string | null): LocateCorpus {
  const { files, fileBm25 } = Array.isArray(texts) ? buildFileSide(texts) : (texts as FileSide);
  const fileIndex = new Map(files.map((p, i) => [p, i]));
  let end = allCommits.length;
  if (indexedCommit) {
    const at = allCommits.findIndex((c) => c.sha === indexedCommit);
    if (at >= 0) end = at + 1;
  }
  const commits = allCommits.slice(0, end);
  const commitBm25 = Bm25Index.build(commits.map((c) => tokens(`${c.subject}\n${c.body}`)));
  // Renames, followed forward: a path's name at the indexed commit.
  const alias = new Map<string, string>();
  for (const c of commits) for (const r of c.renames) if (r.from !== r.to) alias.set(r.from, r.to);
  const current = (p: string): number | undefined => {
    let cur = p;
    for (let hops = 0; hops < 20 && !fileIndex.has(cur) && alias.has(cur); hops++) cur = alias.get(cur)!;
    return fileIndex.get(cur);
  };
  const fileCommits: number[][] = files.map(() => []);
  const commitFiles = commits.map((c, ci) => {
    const out = new Set<number>();
    for (const p of c.files) {
      const f = current(p);
      if (f !== undefined) out.add(f);
    }
    const list = [...out].sort((a, b) => a - b);
    for (const f of list) fileCommits[f].push(ci);
    return list;
  });
  const bookkeeping = new Set<number>();
  if (commits.length >= BOOKKEEPING_MIN_COMMITS) fileCommits.forEach((list, f) => list.length >= BOOKKEEPING_SHARE * commits.length && bookkeeping.add(f));
  const pathWords = new Map<string, number[]>();
  files.forEach((p, f) => {
    for (const w of new Set(pathTokens(p.replace(/\.[^./]+$/, '')))) {
      let l = pathWords.get(w);
      if (!l) pathWords.set(w, (l = []));
      l.push(f);
    }
  });
  return { files, fileIndex, fileBm25, pathWords, commits, commitBm25, commitFiles, fileCommits, pairs: pairFiles(files), bookkeeping };
}

/** Commits of `file` before `cutoff` (binary search over its ascending list). */
export function commitsBefore(list: readonly number[], cutoff: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < cutoff) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
