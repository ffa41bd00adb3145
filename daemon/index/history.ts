/**
 * History enrichment for one repository, run at the end of every index run:
 *
 * 1. Commit table: stream `git log --name-status` from HEAD down to the last
 *    indexed tip (the whole history the first time), store each commit once,
 *    link it to the repository. Commits no longer reachable (branch switch,
 *    rewrite) are unlinked. The files those commits changed are marked stale,
 *    and the tip moves, in one transaction at the end: a crash before it just
 *    walks the same range again (inserts are idempotent).
 * 2. Attribution of every view file whose blame is missing, stale, or describes
 *    other content, cheapest exact way first:
 *    - one new commit C on top of the last tip: the stored blame moves across
 *      `git diff -U0 parent C` (what git blame does first: changed lines are C's,
 *      the rest keep their owners), or, when the stored blame was of the very
 *      content C committed, its not-committed-yet lines become C's. One diff for
 *      the whole commit instead of one blame per file;
 *    - a clean file that a single commit added and nothing changed since: all
 *      its lines are that commit's (from the commit table, no git);
 *    - untracked files, or no commits yet: every line is not committed yet;
 *    - otherwise one `git blame --incremental`: against HEAD's commit when the
 *      file is clean (reads nothing from the work tree), else with the exact
 *      bytes we hashed (`--contents -`), so uncommitted lines are attributed as
 *      such and the stored blame always matches the view's blob.
 *    Each file's result is stored in its own savepoint; a file not stored is redone.
 *
 * After a commit, step 1 finds that commit's files and step 2 updates only those.
 */
import { readFile } from 'node:fs/promises';
import type { HistoryConfig } from '../config/config.js';
import { errorMessage } from '../errors.js';
import { blameFile, type BlameResult } from '../repo/blame.js';
import { gitBlobId, GitError, repoState, type ObjectFormat, type RepoState } from '../repo/git.js';
import { commitGraphState, writeCommitGraph } from '../repo/commit-graph.js';
import { applyHunks, diffCommits, type FileDiff } from '../repo/diff.js';
import { revList, shallowGrafts, streamLog, treeBlobs } from '../repo/log.js';
import type { BlameWrite, CommitInfo, MetadataStore } from '../store/types.js';

export interface HistoryRunSummary {
  head: string | null;
  /** A shallow clone: history stops at the graft commits (it is truncated). */
  shallow: boolean;
  /** Commits reachable from HEAD, as stored after the run. */
  commits: number;
  /** Commits read by this run's log walk, and commits unlinked (no longer reachable). */
  commitsWalked: number;
  commitsRemoved: number;
  /** The log was walked from scratch (first run, rewritten tip, deepened clone). */
  fullLog: boolean;
  /** `git blame` processes run. */
  blamed: number;
  /** Files attributed from the commit table alone: one commit ever changed them, by adding them. */
  attributed: number;
  /** Files whose stored blame was carried across the new commit (its diff) instead of blamed again. */
  derived: number;
  /** Paths whose attribution this run stored (first 100), whatever the way. */
  updatedPaths: string[];
  /** Files attributed as not committed yet without running git (untracked, or no commits). */
  uncommitted: number;
  /** Files not blamed, by reason: too-large, changed (content moved on since the scan), failed. */
  skipped: Record<string, number>;
  /** Blame rows dropped for files that left the view. */
  dropped: number;
  errors: { path: string; error: string }[];
  /** What was done about git's commit-graph: written, appended, present, failed: …, or null (not needed / off). */
  commitGraph: string | null;
  logMs: number;
  blameMs: number;
  durationMs: number;
}

export interface HistoryDeps {
  store: MetadataStore;
  config: HistoryConfig;
}

export interface HistoryRunOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, path?: string) => void;
  /** HEAD, shallowness and object format when the caller just read them (saves a git call). */
  state?: RepoState;
  /** Paths known to hold exactly HEAD's content (tracked, not modified or staged), from the scan. */
  clean?: ReadonlySet<string>;
  /**
   * The only view paths this index run changed (a run on file events). Unless HEAD moved, only
   * they are looked at, instead of the whole view.
   */
  changedPaths?: readonly string[];
}

export async function enrichHistory(deps: HistoryDeps, repoId: number, root: string, opts: HistoryRunOptions = {}): Promise<HistoryRunSummary> {
  const started = performance.now();
  const { store, config } = deps;
  const state = opts.state ?? (await repoState(root));
  const grafts = state.shallow ? await shallowGrafts(root) : [];
  const summary: HistoryRunSummary = {
    head: state.head,
    shallow: state.shallow,
    commits: 0,
    commitsWalked: 0,
    commitsRemoved: 0,
    fullLog: false,
    blamed: 0,
    attributed: 0,
    derived: 0,
    updatedPaths: [],
    uncommitted: 0,
    skipped: {},
    dropped: 0,
    errors: [],
    commitGraph: null,
    logMs: 0,
    blameMs: 0,
    durationMs: 0,
  };

  const log = await updateLog(store, repoId, root, state.head, state.shallow, grafts, summary, opts.signal);
  summary.logMs = Math.round(performance.now() - started);

  const t1 = performance.now();
  const headMoved = summary.commitsWalked > 0 || summary.commitsRemoved > 0 || summary.fullLog || log.reset;
  const work = await store.blameWork(repoId, opts.changedPaths && !headMoved ? [...opts.changedPaths] : undefined);
  let todo = work.toBlame;
  if (todo.length && log.single) {
    const derived = await deriveAcrossCommit(store, repoId, root, log.single, todo, config, summary);
    if (derived.length) {
      const errors = await store.writeBlames(repoId, derived);
      const done = new Set(derived.filter((_, i) => errors[i] === null).map((w) => w.path));
      summary.derived = done.size;
      summary.updatedPaths.push(...done);
      todo = todo.filter((f) => !done.has(f.path));
    }
  }
  if (work.orphans.length) {
    await store.deleteBlames(repoId, work.orphans);
    summary.dropped = work.orphans.length;
  }
  if (todo.length) {
    // Blob ids in HEAD decide clean (blame the commit) vs dirty (blame our bytes) vs new.
    // The scan already knows most clean files; ask git only about the others.
    const known = opts.clean;
    const ask = state.head ? todo.filter((f) => !known?.has(f.path)).map((f) => f.path) : [];
    const headBlobs = ask.length ? await treeBlobs(root, state.head!, ask.length > 2000 ? undefined : ask) : new Map<string, string>();
    if (known && state.head) for (const f of todo) if (known.has(f.path)) headBlobs.set(f.path, f.blob);
    const clean = todo.filter((f) => headBlobs.get(f.path) === f.blob && f.size <= config.maxBlameBytes).map((f) => f.path);
    // A clean file that one commit added and nothing changed since: all its lines are that commit's.
    const sole = clean.length ? await store.soleAdditions(repoId, clean) : new Map<string, string>();
    if (config.commitGraph && state.head) {
      summary.commitGraph = await maintainCommitGraph(root, todo.length - sole.size, summary.commitsWalked, summary.fullLog);
    }
    const writer = new BlameWriter(store, repoId, (path, error) => {
      summary.errors.push({ path, error });
      bump(summary.skipped, 'failed');
    });
    let done = 0;
    opts.onProgress?.(0, todo.length);
    await forEachLimit(todo, Math.max(1, config.blameConcurrency), async (file) => {
      if (opts.signal?.aborted) return;
      const write = await blameOne(root, file, state.head, headBlobs.get(file.path), sole.get(file.path), state.objectFormat, config, summary);
      if (write) {
        writer.write(write);
        if (summary.updatedPaths.length < 100) summary.updatedPaths.push(write.path);
      }
      opts.onProgress?.(++done, todo.length, file.path);
    });
    await writer.flush();
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('history aborted');
  }
  summary.blameMs = Math.round(performance.now() - t1);
  summary.commits = (await store.historyStats(repoId)).commits;
  summary.errors = summary.errors.slice(0, 20);
  summary.updatedPaths = summary.updatedPaths.sort().slice(0, 100);
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

/** The one commit a run added on top of the previous tip, when that is all that happened. */
interface SingleCommit {
  sha: string;
  parent: string;
  /** Paths whose stored blame was already stale before this commit: not carried forward. */
  alreadyStale: Set<string>;
}

async function updateLog(
  store: MetadataStore,
  repoId: number,
  root: string,
  head: string | null,
  shallow: boolean,
  grafts: string[],
  summary: HistoryRunSummary,
  signal: AbortSignal | undefined,
): Promise<{ single: SingleCommit | null; reset: boolean }> {
  const prev = await store.historyState(repoId);
  const sameGrafts = prev !== null && prev.shallow === shallow && prev.grafts.join(' ') === grafts.join(' ');
  if (prev !== null && prev.logTip === head && sameGrafts) return { single: null, reset: false };

  if (head === null) {
    // No commits (yet, or an orphan branch): nothing to walk; earlier blame no longer applies.
    await store.resetHistoryLog(repoId);
    await store.finishLogUpdate(repoId, { tip: null, shallow, grafts, removed: [], stalePaths: [], staleAll: true });
    return { single: null, reset: true };
  }

  let removed: string[] = [];
  let revs: string[] = [head];
  let full = true;
  if (prev?.logTip && sameGrafts) {
    // Fails (null) when the old tip no longer exists (rewritten and garbage-collected): walk it all again.
    const gone = await revList(root, prev.logTip, head);
    if (gone !== null) {
      removed = gone;
      revs = [head, `^${prev.logTip}`];
      full = false;
    }
  }
  if (full) await store.resetHistoryLog(repoId);
  summary.fullLog = full;

  const stale = new Set<string>();
  const walked: { sha: string; parents: string[] }[] = [];
  for await (const batch of streamLog(root, revs, { signal })) {
    await store.addCommits(repoId, batch);
    summary.commitsWalked += batch.length;
    if (!full) {
      for (const c of batch) {
        if (walked.length < 2) walked.push({ sha: c.sha, parents: c.parents });
        for (const f of c.files) {
          stale.add(f.path);
          if (f.oldPath) stale.add(f.oldPath);
        }
      }
    }
  }
  if (removed.length) for (const p of await store.commitPaths(removed)) stale.add(p);
  summary.commitsRemoved = removed.length;
  // A full walk replaces the membership: any blame stored before may name other commits.
  const { alreadyStale } = await store.finishLogUpdate(repoId, {
    tip: head,
    shallow,
    grafts,
    removed,
    stalePaths: [...stale],
    staleAll: full && prev !== null,
  });
  const one = walked.length === 1 && !removed.length && walked[0].parents.length === 1 && walked[0].parents[0] === prev?.logTip ? walked[0] : null;
  return { single: one ? { sha: one.sha, parent: one.parents[0], alreadyStale: new Set(alreadyStale) } : null, reset: full };
}

/**
 * Blame carried across the one new commit, for the files it changed whose stored blame
 * describes either the parent's content (apply the diff) or exactly the committed content
 * (its uncommitted lines are now the commit's). Anything else is left to blame.
 */
async function deriveAcrossCommit(
  store: MetadataStore,
  repoId: number,
  root: string,
  commit: SingleCommit,
  todo: { path: string; blob: string; size: number }[],
  config: HistoryConfig,
  _summary: HistoryRunSummary,
): Promise<BlameWrite[]> {
  let diff: FileDiff[];
  try {
    diff = await diffCommits(root, commit.parent, commit.sha, { timeoutMs: config.blameTimeoutMs });
  } catch {
    return []; // blame will do
  }
  const byPath = new Map(diff.filter((d) => d.newPath !== null).map((d) => [d.newPath!, d]));
  const out: BlameWrite[] = [];
  for (const file of todo) {
    const d = byPath.get(file.path);
    // A 100% rename prints no blob ids: the content is the old path's, unchanged.
    const pureRename = !!d && d.oldPath !== null && d.oldPath !== d.newPath && d.newBlob === null && !d.hunks.length && !d.binary;
    // Only files the commit changed, clean in the work tree (the view holds the committed blob).
    if (!d || d.binary || (!pureRename && d.newBlob !== file.blob) || file.size > config.maxBlameBytes) continue;
    const from = d.oldPath ?? file.path;
    if (commit.alreadyStale.has(from)) continue;
    const prev = await store.fileBlame(repoId, from);
    if (!prev || (prev.status !== 'blamed' && prev.status !== 'uncommitted')) continue;
    let moved: { ranges: { start: number; end: number; sha: string | null }[]; lines: number } | null = null;
    if (prev.blob === file.blob) {
      moved = { ranges: prev.ranges.map((r) => (r.sha === null ? { ...r, sha: commit.sha } : r)), lines: prev.lines };
    } else if (d.oldBlob !== null && prev.blob === d.oldBlob) {
      moved = applyHunks(prev.ranges, prev.lines, d.hunks, commit.sha);
    }
    if (!moved) continue;
    const ranges = mergeRanges(moved.ranges);
    out.push({ path: file.path, blob: file.blob, status: 'blamed', detail: null, lines: moved.lines, ranges, commits: [] });
  }
  return out;
}

function mergeRanges(ranges: { start: number; end: number; sha: string | null }[]): { start: number; end: number; sha: string | null }[] {
  const out: { start: number; end: number; sha: string | null }[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.sha === r.sha && last.end + 1 === r.start) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

/** What to store for one file, or null when it must be left for the next run (its content moved on). */
async function blameOne(
  root: string,
  file: { path: string; blob: string; size: number },
  head: string | null,
  headBlob: string | undefined,
  soleCommit: string | undefined,
  objectFormat: ObjectFormat,
  config: HistoryConfig,
  summary: HistoryRunSummary,
): Promise<BlameWrite | null> {
  const base = { path: file.path, blob: file.blob };
  if (file.size > config.maxBlameBytes) {
    bump(summary.skipped, 'too-large');
    return {
      ...base,
      status: 'too-large',
      detail: `blame skipped: ${file.size} bytes is over history.maxBlameBytes (${config.maxBlameBytes})`,
      lines: 0,
      ranges: [],
      commits: [],
    };
  }
  try {
    let result: BlameResult;
    if (head !== null && headBlob === file.blob && soleCommit) {
      const buf = await readFile(`${root}/${file.path}`).catch(() => null);
      if (buf === null || gitBlobId(buf, objectFormat) !== file.blob) {
        bump(summary.skipped, 'changed');
        return null;
      }
      summary.attributed++;
      const lines = countLines(buf);
      return { ...base, status: 'blamed', detail: null, lines, ranges: lines ? [{ start: 1, end: lines, sha: soleCommit }] : [], commits: [] };
    }
    if (head !== null && headBlob === file.blob) {
      result = await blameFile(root, file.path, { rev: head, timeoutMs: config.blameTimeoutMs });
    } else {
      let buf: Buffer;
      try {
        buf = await readFile(`${root}/${file.path}`);
      } catch {
        bump(summary.skipped, 'changed');
        return null;
      }
      if (gitBlobId(buf, objectFormat) !== file.blob) {
        bump(summary.skipped, 'changed');
        return null;
      }
      if (head === null || headBlob === undefined) {
        // Not in HEAD (untracked, newly added, or no commits yet): every line is not committed yet.
        summary.uncommitted++;
        const lines = countLines(buf);
        return { ...base, status: 'uncommitted', detail: null, lines, ranges: lines ? [{ start: 1, end: lines, sha: null }] : [], commits: [] };
      }
      result = await blameFile(root, file.path, { contents: buf, timeoutMs: config.blameTimeoutMs });
    }
    summary.blamed++;
    return {
      ...base,
      status: 'blamed',
      detail: null,
      lines: result.lines,
      ranges: result.ranges,
      commits: [...result.commits.values()].map((c): CommitInfo => ({
        sha: c.sha,
        parents: [],
        authorName: c.authorName,
        authorEmail: c.authorEmail,
        authorTime: c.authorTime,
        committerName: c.committerName,
        committerEmail: c.committerEmail,
        commitTime: c.commitTime,
        subject: c.summary,
        body: '',
        filesChanged: null,
      })),
    };
  } catch (err) {
    const timedOut = err instanceof GitError && err.signal === 'SIGKILL';
    const detail = timedOut ? `blame timed out after ${config.blameTimeoutMs} ms (history.blameTimeoutMs)` : `blame failed: ${firstLine(errorMessage(err))}`;
    summary.errors.push({ path: file.path, error: detail });
    bump(summary.skipped, 'failed');
    return { ...base, status: 'failed', detail, lines: 0, ranges: [], commits: [] };
  }
}

/** Files to blame from which writing git's commit-graph pays off (measured: ~0.1 s per 2,000 commits to write). */
const COMMIT_GRAPH_MIN_FILES = 50;
const COMMIT_GRAPH_MIN_NEW_COMMITS = 1000;

/**
 * Before a large blame run, make sure git has changed-path Bloom filters (each blame then
 * skips commits that did not touch its file); after a long pull, add a layer for the new commits.
 */
async function maintainCommitGraph(root: string, toBlame: number, walked: number, fullLog: boolean): Promise<string | null> {
  try {
    if (toBlame < COMMIT_GRAPH_MIN_FILES && walked < COMMIT_GRAPH_MIN_NEW_COMMITS) return null;
    const state = await commitGraphState(root);
    if (state !== 'bloom') {
      await writeCommitGraph(root, 'full');
      return 'written';
    }
    if (!fullLog && walked >= COMMIT_GRAPH_MIN_NEW_COMMITS) {
      await writeCommitGraph(root, 'append');
      return 'appended';
    }
    return 'present';
  } catch (err) {
    // Only an accelerator: a read-only repository or a concurrent gc holding the lock just means slower blames.
    return `failed: ${firstLine(errorMessage(err))}`;
  }
}

/** Lines as git counts them: a last line without a newline still counts. */
export function countLines(buf: Uint8Array): number {
  if (!buf.length) return 0;
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return buf[buf.length - 1] === 0x0a ? n : n + 1;
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Stores blame results in batches (one transaction, a savepoint per file): blame
 * is slow per file, so a batch closes after a few files or a short delay, and at
 * most one batch of finished work is lost to a crash.
 */
class BlameWriter {
  private pending: BlameWrite[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: MetadataStore,
    private readonly repoId: number,
    private readonly onError: (path: string, error: string) => void,
    private readonly maxFiles = 64,
    private readonly maxDelayMs = 100,
  ) {}

  write(w: BlameWrite): void {
    this.pending.push(w);
    if (this.pending.length >= this.maxFiles) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.maxDelayMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length) {
      this.chain = this.chain.then(async () => {
        try {
          const errors = await this.store.writeBlames(this.repoId, batch);
          errors.forEach((e, i) => e && this.onError(batch[i].path, e));
        } catch (err) {
          for (const b of batch) this.onError(b.path, errorMessage(err));
        }
      });
    }
    return this.chain;
  }
}
