/**
 * The index pipeline for one repository: scan -> diff against the stored view ->
 * for each changed file: reuse a known parse, or read, classify, parse and store
 * -> drop deleted paths. Each file is stored in its own transaction; the repo's
 * indexed commit only moves once every file is done, so an interrupted run is
 * simply finished by the next one.
 */
import { basename, join } from 'node:path';
import { findRepoRoot, type ObjectFormat } from '../repo/git.js';
import { scanRepo, type ScannedFile } from '../repo/scanner.js';
import { CHUNKER_VERSION, languageForPath } from '../lang/languages.js';
import type { ParsePool } from '../lang/parse-pool.js';
import type { FileWrite, MetadataStore, WriteOutcome } from '../store/types.js';
import { errorMessage, isContextdError } from '../errors.js';
import type { HistoryConfig, IndexConfig } from '../config/config.js';
import { enrichHistory, type HistoryRunSummary } from './history.js';
import { contentKey } from './keys.js';
import { extrasOf } from './enrich.js';
import { backfillGraph } from './graph-backfill.js';
import { prepareContent, type PrepareJob, type WorkerTask } from './prepare.js';

export type IndexPhase = 'scan' | 'index' | 'cleanup' | 'history';

export interface IndexProgress {
  phase: IndexPhase;
  done: number;
  total: number;
  path?: string;
}

export interface IndexSummary {
  root: string;
  repoId: number;
  head: string | null;
  shallow: boolean;
  /** Files in the view after the run, and what they hold. */
  files: number;
  chunks: number;
  symbols: number;
  bytes: number;
  languages: Record<string, number>;
  /** What this run did. */
  parsed: number;
  reused: number;
  unchanged: number;
  deleted: number;
  newChunks: number;
  bytesParsed: number;
  /** Files left out, by reason (scan-time and content-time), plus what git ignores. */
  skipped: Record<string, number>;
  ignored: number;
  /** Files that could not be indexed this run (first 20), with why. */
  errors: { path: string; error: string }[];
  /** Git history enrichment (commit table, blame) of this run; null when disabled. */
  history: HistoryRunSummary | null;
  /** Set when history enrichment failed (the lexical index is still complete). */
  historyError?: string;
  durationMs: number;
  /** Wall time per phase (ms); `write` is the main thread's time inside the store's batch writes (part of `files`). */
  timings: { scan: number; files: number; write: number; cleanup: number; history: number };
}

export interface IndexDeps {
  store: MetadataStore;
  pool: ParsePool;
  config: IndexConfig;
  /** History enrichment settings; no history when absent or disabled. */
  history?: HistoryConfig;
}

export interface IndexOptions {
  onProgress?: (p: IndexProgress) => void;
  /**
   * Only reconcile these repo-relative paths (files or directories), e.g. from file
   * events; default: the whole tree. The indexed commit only moves on whole-tree runs.
   */
  paths?: string[];
  signal?: AbortSignal;
  /** Run history enrichment after the files (default: when enabled in the config). */
  history?: boolean;
  /**
   * Called once every file of the run is stored (lexical and symbol search see them), before
   * history enrichment: embedding can start then and overlap it.
   */
  onFilesStored?: () => void;
}

const TEXT_LANGUAGE = 'text';

/** What the run will do for one scanned file. */
type Plan = { file: ScannedFile; language: string; key: string; objectFormat: ObjectFormat };

export async function indexRepository(deps: IndexDeps, path: string, opts: IndexOptions = {}): Promise<IndexSummary> {
  const started = performance.now();
  const { store, pool, config } = deps;
  const root = await findRepoRoot(path);
  const repo = await store.ensureRepo(root, basename(root));
  const progress = opts.onProgress ?? (() => {});

  progress({ phase: 'scan', done: 0, total: 0 });
  const limited = opts.paths !== undefined;
  const scan = await scanRepo(root, {
    maxFileBytes: config.maxFileBytes,
    exclude: config.exclude,
    include: limited ? opts.paths!.map(escapeGlob) : undefined,
    countIgnored: !limited,
  });
  const existing = await store.listFiles(repo.id);
  const scanned = performance.now();

  const skipped: Record<string, number> = {};
  for (const s of scan.skipped) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;

  const plans: Plan[] = [];
  let unchanged = 0;
  for (const file of scan.files) {
    const language = languageForPath(file.path) ?? TEXT_LANGUAGE;
    const key = contentKey(file.blob, language, CHUNKER_VERSION);
    const prev = existing.get(file.path);
    if (prev && prev.contentKey === key) {
      unchanged++;
      if (prev.status === 'skipped' && prev.skipReason) skipped[prev.skipReason] = (skipped[prev.skipReason] ?? 0) + 1;
      continue;
    }
    plans.push({ file, language, key, objectFormat: scan.objectFormat });
  }
  const live = new Set(scan.files.map((f) => f.path));
  const inScope = limited ? underAny(opts.paths!) : () => true;
  const gone = [...existing.keys()].filter((p) => !live.has(p) && inScope(p));

  let parsed = 0;
  let reused = 0;
  let newChunks = 0;
  let bytesParsed = 0;
  let done = 0;
  progress({ phase: 'index', done, total: plans.length });

  const writer = new BatchWriter(store, repo.id);
  const failed: { path: string; error: string }[] = [];
  const accounting: Promise<void>[] = [];
  const account = (plan: Plan, outcome: FileOutcome, stored: WriteOutcome | null): void => {
    if (stored?.error) {
      failed.push({ path: plan.file.path, error: stored.error });
      skipped.failed = (skipped.failed ?? 0) + 1;
    } else if (outcome.kind === 'reused') reused++;
    else if (outcome.kind === 'parsed') {
      parsed++;
      newChunks += stored?.newChunks ?? 0;
      bytesParsed += outcome.bytes;
    } else skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
    done++;
    progress({ phase: 'index', done, total: plans.length, path: plan.file.path });
  };
  const processOne = async (plan: Plan): Promise<void> => {
    let prepared: Awaited<ReturnType<typeof prepareFile>>;
    try {
      prepared = await prepareFile(deps, root, plan);
    } catch (err) {
      // A store that went away is no reason to skip the file: the whole run stops and is retried.
      if (isContextdError(err) && err.code === 'store-unavailable') writer.failure ??= err;
      failed.push({ path: plan.file.path, error: errorMessage(err) });
      prepared = { write: null, outcome: { kind: 'skipped', reason: 'failed' } };
    }
    const { write, outcome } = prepared;
    // Do not wait for the batch to commit: the next file's parse overlaps the write.
    if (write) accounting.push(writer.write(write).then((stored) => account(plan, outcome, stored)));
    else account(plan, outcome, null);
    // Bounded memory: when the store falls behind the parsers, parsed files wait here, not in a queue that grows with the repository.
    await writer.room();
  };

  // Keep every parse worker busy with a few jobs queued each; writes are batched on this thread.
  const inFlight = Math.max(4, pool.size * 4);
  let next = 0;
  const runners = Array.from({ length: Math.min(inFlight, plans.length) }, async () => {
    while (next < plans.length) {
      if (opts.signal?.aborted || writer.failure) return;
      const plan = plans[next++];
      await processOne(plan);
    }
  });
  await Promise.all(runners);
  await writer.flush();
  await Promise.all(accounting);
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('index aborted');
  // The store refused a whole batch (a database that went away): stop; nothing of that batch was
  // stored, the indexed commit does not move, and the caller's jobs stay queued for a retry.
  if (writer.failure) throw writer.failure;
  const filesDone = performance.now();

  progress({ phase: 'cleanup', done: 0, total: gone.length });
  if (gone.length) await store.deleteFiles(repo.id, gone);
  const cleaned = performance.now();
  opts.onFilesStored?.();
  // Code graph facts for parses stored before the graph (or by an older extractor); none after the first run.
  if (config.graph !== false) await backfillGraph(deps, repo.id, root, scan.objectFormat, opts.signal);

  // History reads the view just written: blame for changed files, commits since the last tip.
  // Path runs (file events) get it too: their changed files are re-blamed as uncommitted edits.
  let history: HistoryRunSummary | null = null;
  let historyError: string | undefined;
  if (deps.history?.enabled && opts.history !== false) {
    progress({ phase: 'history', done: 0, total: 0 });
    try {
      history = await enrichHistory({ store, config: deps.history }, repo.id, root, {
        signal: opts.signal,
        onProgress: (done, total, path) => progress({ phase: 'history', done, total, path }),
        // What the scan saw: the same HEAD as the view, and which files are exactly HEAD's.
        state: { head: scan.head, shallow: scan.shallow, objectFormat: scan.objectFormat },
        clean: new Set(scan.files.filter((f) => f.tracked && !f.dirty).map((f) => f.path)),
        // A run on file events changed only these view rows (the whole view may be large).
        changedPaths: limited ? [...plans.map((p) => p.file.path), ...gone] : undefined,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      historyError = errorMessage(err);
    }
  }

  const historyDone = performance.now();
  const stats = await store.stats(repo.id);
  const summary: IndexSummary = {
    root,
    repoId: repo.id,
    head: scan.head,
    shallow: scan.shallow,
    files: stats.files,
    chunks: stats.chunks,
    symbols: stats.symbols,
    bytes: stats.bytes,
    languages: stats.languages,
    parsed,
    reused,
    unchanged,
    deleted: gone.length,
    newChunks,
    bytesParsed,
    skipped,
    ignored: scan.ignoredCount,
    errors: failed.slice(0, 20),
    history,
    ...(historyError ? { historyError } : {}),
    durationMs: Math.round(performance.now() - started),
    timings: {
      scan: Math.round(scanned - started),
      files: Math.round(filesDone - scanned),
      write: Math.round(writer.busyMs),
      cleanup: Math.round(cleaned - filesDone),
      history: Math.round(historyDone - cleaned),
    },
  };
  await store.updateRepo(
    repo.id,
    limited
      ? { indexedAt: Date.now(), lastError: null }
      : {
          indexedCommit: scan.head,
          indexedAt: Date.now(),
          lastSummary: JSON.stringify(summary),
          lastError: null,
        },
  );
  return summary;
}

/** A literal path as a picomatch glob (file names may hold glob characters). */
function escapeGlob(path: string): string {
  return path.replace(/[\\*?[\]{}()!+@]/g, '\\$&');
}

/** True for a path equal to, or inside, one of the given paths. */
function underAny(paths: string[]): (p: string) => boolean {
  const exact = new Set(paths);
  const dirs = paths.map((p) => (p.endsWith('/') ? p : p + '/'));
  return (p) => exact.has(p) || dirs.some((d) => p.startsWith(d));
}

type FileOutcome = { kind: 'reused' } | { kind: 'parsed'; bytes: number } | { kind: 'skipped'; reason: string };

/** What to store for one file, decided without touching the store's write path. */
async function prepareFile(deps: IndexDeps, root: string, plan: Plan): Promise<{ write: FileWrite | null; outcome: FileOutcome }> {
  const { store, pool } = deps;
  const { file, language } = plan;
  const known = await store.findParse(plan.key);
  if (known !== null) {
    return {
      write: { path: file.path, blob: file.blob, contentKey: plan.key, size: file.size, language, encoding: null, content: { kind: 'reuse', parseId: known } },
      outcome: { kind: 'reused' },
    };
  }
  // Read, hash, check and parse on a parse worker (here when the pool runs in-process).
  const job: PrepareJob = {
    abs: join(root, file.path),
    path: file.path,
    language,
    objectFormat: plan.objectFormat,
    ...(deps.config.graph === false ? { opts: { graph: false } } : {}),
  };
  const prepared = await pool.task(file.path, { kind: 'prepare', job } satisfies WorkerTask, () =>
    prepareContent(job, (p, text, lang, o) => pool.parse(p, text, lang, o)),
  );
  if (prepared.kind === 'unread') return { write: null, outcome: { kind: 'skipped', reason: prepared.reason } };
  const key = prepared.blob === file.blob ? plan.key : contentKey(prepared.blob, language, CHUNKER_VERSION);
  const base = { path: file.path, blob: prepared.blob, contentKey: key, size: prepared.size, language };
  if (prepared.kind === 'skipped') {
    return { write: { ...base, encoding: null, content: { kind: 'skipped', reason: prepared.reason } }, outcome: { kind: 'skipped', reason: prepared.reason } };
  }
  const { parsed } = prepared;
  const extras = extrasOf(parsed);
  const chunkHashes = extras.map((e) => e.hash);
  const lexical = extras.map((e) => ({ symbol: e.lexSymbol, body: e.lexBody }));
  return {
    write: { ...base, encoding: prepared.encoding, content: { kind: 'parsed', parsed, chunkHashes, lexical } },
    outcome: { kind: 'parsed', bytes: prepared.size },
  };
}

/**
 * Groups prepared files into one transaction per batch. Commits (and the FTS
 * segment each commit writes) dominate a large index, so a batch holds up to
 * `maxFiles` files or whatever arrived within `maxDelayMs`.
 */
class BatchWriter {
  private pending: { write: FileWrite; done: (o: WriteOutcome) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Set when the store threw for a whole batch rather than reporting per-file errors. */
  failure: unknown = null;
  /** Time spent inside the store's batch writes. */
  busyMs = 0;
  /** Files handed to write() and not stored yet. */
  private unstored = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly store: MetadataStore,
    private readonly repoId: number,
    private readonly maxFiles = 128,
    private readonly maxDelayMs = 50,
  ) {}

  /** Resolves once fewer than two batches' worth of files wait to be stored. */
  room(): Promise<void> {
    if (this.unstored < this.maxFiles * 2 || this.failure) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  write(file: FileWrite): Promise<WriteOutcome> {
    this.unstored++;
    return new Promise((resolve) => {
      const done = (o: WriteOutcome) => {
        this.unstored--;
        resolve(o);
        if (this.unstored < this.maxFiles * 2 || this.failure) for (const w of this.waiters.splice(0)) w();
      };
      this.pending.push({ write: file, done });
      if (this.pending.length >= this.maxFiles) void this.flush();
      else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.maxDelayMs);
    });
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      const t0 = performance.now();
      try {
        const outcomes = await this.store.writeFiles(
          this.repoId,
          batch.map((b) => b.write),
        );
        batch.forEach((b, i) => b.done(outcomes[i]));
      } catch (err) {
        this.failure ??= err;
        for (const b of batch) b.done({ parseId: null, newChunks: 0, error: (err as Error).message });
      } finally {
        this.busyMs += performance.now() - t0;
      }
    });
    return this.flushing;
  }
}
