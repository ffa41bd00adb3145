/**
 * History enrichment for one repository, run at the end of every index run:
 *
 * 1. Commit table: stream `git log --name-status` from HEAD down to the last
 *    indexed tip (the whole history the first time), store each commit once,
 *    link it to the repository. Commits no longer reachable (branch switch,
 *    rewrite) are unlinked. The files those commits changed are marked stale,
 *    and the tip moves, in one transaction at the end: a crash before it just
 *    walks the same range again (inserts are idempotent).
 * 2. Blame: every view file whose blame is missing, stale, or describes other
 *    content gets one `git blame --incremental`: against HEAD's commit when the
 *    file is clean (reads nothing from the work tree), else with the exact
 *    bytes we hashed (`--contents -`), so uncommitted lines are attributed as
 *    such and the stored blame always matches the view's blob. Untracked files
 *    and repositories without commits need no git at all. Each file's result
 *    is stored in its own savepoint; a file not stored is simply redone.
 *
 * After a commit, step 1 finds that commit's files and step 2 re-blames only those.
 */
import { readFile } from 'node:fs/promises';
import type { HistoryConfig } from '../config/config.js';
import { errorMessage } from '../errors.js';
import { blameFile, type BlameResult } from '../repo/blame.js';
import { gitBlobId, GitError, repoState, type ObjectFormat } from '../repo/git.js';
import { commitExists, revList, shallowGrafts, streamLog, treeBlobs } from '../repo/log.js';
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
  /** Files attributed as not committed yet without running git (untracked, or no commits). */
  uncommitted: number;
  /** Files not blamed, by reason: too-large, changed (content moved on since the scan), failed. */
  skipped: Record<string, number>;
  /** Blame rows dropped for files that left the view. */
  dropped: number;
  errors: { path: string; error: string }[];
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
}

export async function enrichHistory(deps: HistoryDeps, repoId: number, root: string, opts: HistoryRunOptions = {}): Promise<HistoryRunSummary> {
  const started = performance.now();
  const { store, config } = deps;
  const state = await repoState(root);
  const grafts = state.shallow ? await shallowGrafts(root) : [];
  const summary: HistoryRunSummary = {
    head: state.head,
    shallow: state.shallow,
    commits: 0,
    commitsWalked: 0,
    commitsRemoved: 0,
    fullLog: false,
    blamed: 0,
    uncommitted: 0,
    skipped: {},
    dropped: 0,
    errors: [],
    logMs: 0,
    blameMs: 0,
    durationMs: 0,
  };

  await updateLog(store, repoId, root, state.head, state.shallow, grafts, summary, opts.signal);
  summary.logMs = Math.round(performance.now() - started);

  const t1 = performance.now();
  const work = await store.blameWork(repoId);
  if (work.orphans.length) {
    await store.deleteBlames(repoId, work.orphans);
    summary.dropped = work.orphans.length;
  }
  const todo = work.toBlame;
  if (todo.length) {
    // Blob ids in HEAD decide clean (blame the commit) vs dirty (blame our bytes) vs new.
    const headBlobs = state.head ? await treeBlobs(root, state.head, todo.length > 2000 ? undefined : todo.map((f) => f.path)) : new Map<string, string>();
    const writer = new BlameWriter(store, repoId, (path, error) => {
      summary.errors.push({ path, error });
      bump(summary.skipped, 'failed');
    });
    let done = 0;
    opts.onProgress?.(0, todo.length);
    await forEachLimit(todo, Math.max(1, config.blameConcurrency), async (file) => {
      if (opts.signal?.aborted) return;
      const write = await blameOne(root, file, state.head, headBlobs.get(file.path), state.objectFormat, config, summary);
      if (write) writer.write(write);
      opts.onProgress?.(++done, todo.length, file.path);
    });
    await writer.flush();
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('history aborted');
  }
  summary.blameMs = Math.round(performance.now() - t1);
  summary.commits = (await store.historyStats(repoId)).commits;
  summary.errors = summary.errors.slice(0, 20);
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
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
): Promise<void> {
  const prev = await store.historyState(repoId);
  const sameGrafts = prev !== null && prev.shallow === shallow && prev.grafts.join(' ') === grafts.join(' ');
  if (prev !== null && prev.logTip === head && sameGrafts) return;

  if (head === null) {
    // No commits (yet, or an orphan branch): nothing to walk; earlier blame no longer applies.
    await store.resetHistoryLog(repoId);
    await store.finishLogUpdate(repoId, { tip: null, shallow, grafts, removed: [], stalePaths: [], staleAll: true });
    return;
  }

  let removed: string[] = [];
  let revs: string[] = [head];
  let full = true;
  if (prev?.logTip && sameGrafts && (await commitExists(root, prev.logTip))) {
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
  for await (const batch of streamLog(root, revs, { signal })) {
    await store.addCommits(repoId, batch);
    summary.commitsWalked += batch.length;
    if (!full) {
      for (const c of batch) {
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
  await store.finishLogUpdate(repoId, { tip: head, shallow, grafts, removed, stalePaths: [...stale], staleAll: full && prev !== null });
}

/** What to store for one file, or null when it must be left for the next run (its content moved on). */
async function blameOne(
  root: string,
  file: { path: string; blob: string; size: number },
  head: string | null,
  headBlob: string | undefined,
  objectFormat: ObjectFormat,
  config: HistoryConfig,
  summary: HistoryRunSummary,
): Promise<BlameWrite | null> {
  const base = { path: file.path, blob: file.blob };
  if (file.size > config.maxBlameBytes) {
    bump(summary.skipped, 'too-large');
    return { ...base, status: 'too-large', detail: `blame skipped: ${file.size} bytes is over history.maxBlameBytes (${config.maxBlameBytes})`, lines: 0, ranges: [], commits: [] };
  }
  try {
    let result: BlameResult;
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
      commits: [...result.commits.values()].map(
        (c): CommitInfo => ({
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
        }),
      ),
    };
  } catch (err) {
    const timedOut = err instanceof GitError && err.signal === 'SIGKILL';
    const detail = timedOut ? `blame timed out after ${config.blameTimeoutMs} ms (history.blameTimeoutMs)` : `blame failed: ${firstLine(errorMessage(err))}`;
    summary.errors.push({ path: file.path, error: detail });
    bump(summary.skipped, 'failed');
    return { ...base, status: 'failed', detail, lines: 0, ranges: [], commits: [] };
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
