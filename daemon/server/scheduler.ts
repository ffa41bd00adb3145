/**
 * Runs the persistent job queue. Up to `concurrency` repositories are worked on
 * at once, each by one runner, so one repository's big index never starves
 * another's small update. Jobs are removed only after their work is stored;
 * a crash leaves them queued for the next start.
 */
import type { Logger } from 'pino';
import type { Engine } from '../engine.js';
import type { IndexProgress } from '../index/indexer.js';
import { errorMessage, isContextdError } from '../errors.js';
import type { DaemonMetrics, EventSource, IndexRunOutcome } from '../metrics/metrics.js';
import { NOOP_TRACER } from '../metrics/tracing.js';
import type { TraceSpan, Tracer } from '../types.js';

export interface RepoActivity {
  repoId: number;
  since: number;
  full: boolean;
  reasons: string[];
  progress: IndexProgress | null;
}

const BATCH_PATHS = 500;
const RETRY_MS = 30_000;
/** Another daemon sharing the store is indexing the repository, or the store is unreachable: look again soon. */
const SOON_MS = 5_000;

export class Scheduler {
  private readonly running = new Map<number, { activity: RepoActivity; done: Promise<void>; cancel: AbortController }>();
  private readonly retryAfter = new Map<number, number>();
  private readonly abort = new AbortController();
  private pass: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** A failed embedding run is retried on its own (a store or embedder that went away and came back), with backoff. */
  private embedRetry: NodeJS.Timeout | null = null;
  private embedRetryMs = 0;
  /** Counters for status and tests. */
  readonly totals = { runs: 0, parsed: 0, reused: 0, newChunks: 0, failures: 0 };
  /** Per repository, when the oldest event of each source not yet served by a run arrived (hook-to-searchable latency). */
  private readonly waitingEvents = new Map<number, Map<EventSource, number>>();

  constructor(
    private readonly engine: Engine,
    private readonly log: Logger,
    private readonly concurrency = 2,
    private readonly metrics: DaemonMetrics | null = null,
    private readonly tracer: Tracer = NOOP_TRACER,
  ) {}

  /** Look for work soon. Cheap to call often: passes coalesce. */
  kick(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.startPending()
      .catch((err) => {
        // The store is unreachable (a database server that went away): the queue is still there.
        this.log.warn({ err: errorMessage(err) }, 'cannot read the job queue; will look again');
        setTimeout(() => this.kick(), SOON_MS).unref();
      })
      .finally(() => {
        this.pass = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  activity(): RepoActivity[] {
    return [...this.running.values()].map((r) => r.activity);
  }

  /** Queues work for a repository and starts it when a runner is free: the one way front ends schedule work. */
  async schedule(repoId: number, paths: string[] | null, reason: string, source?: EventSource): Promise<void> {
    await this.engine.jobs.enqueue(repoId, paths, reason);
    if (source) {
      let waiting = this.waitingEvents.get(repoId);
      if (!waiting) this.waitingEvents.set(repoId, (waiting = new Map()));
      if (!waiting.has(source)) waiting.set(source, Date.now());
    }
    this.kick();
  }

  isBusy(repoId: number): boolean {
    return this.running.has(repoId);
  }

  private async startPending(): Promise<void> {
    const pending = await this.engine.jobs.pendingJobs();
    const now = Date.now();
    for (const [repoId] of pending) {
      if (this.running.size >= this.concurrency) break;
      if (this.running.has(repoId)) continue;
      const retry = this.retryAfter.get(repoId);
      if (retry && retry > now) continue;
      this.start(repoId);
    }
  }

  private start(repoId: number): void {
    const activity: RepoActivity = { repoId, since: Date.now(), full: false, reasons: [], progress: null };
    const cancel = new AbortController();
    const done = this.runRepo(repoId, activity, cancel.signal)
      .catch((err) => {
        // Taking the jobs failed (store unreachable): they are still queued.
        this.retryAfter.set(repoId, Date.now() + SOON_MS);
        setTimeout(() => this.kick(), SOON_MS).unref();
        this.log.warn({ repoId, err: errorMessage(err) }, 'cannot take queued work; will retry');
      })
      .finally(() => {
        this.running.delete(repoId);
        this.kick();
      });
    this.running.set(repoId, { activity, done, cancel });
  }

  /**
   * Stops the run working on `repoId` (a client cancelled its reindex): the indexer stops
   * between files; the jobs stay queued (nothing is lost) and are taken again after
   * RETRY_MS or the next start, not at once (that would undo the cancel).
   * Resolves when the run has stopped; false when nothing was running.
   */
  async cancel(repoId: number, reason: string): Promise<boolean> {
    const run = this.running.get(repoId);
    if (!run) return false;
    run.cancel.abort(new Error(reason));
    await run.done;
    return true;
  }

  private async runRepo(repoId: number, activity: RepoActivity, cancelled: AbortSignal): Promise<void> {
    const { repos, jobs } = this.engine;
    const repo = await repos.getRepoById(repoId);
    // Events that arrived before the jobs are taken are served by this run.
    const events = this.waitingEvents.get(repoId);
    this.waitingEvents.delete(repoId);
    const batch = await jobs.takeJobs(repoId, BATCH_PATHS);
    if (!batch) return;
    const record = (outcome: IndexRunOutcome, summary?: { parsed: number; reused: number; deleted: number; newChunks: number }) =>
      this.metrics?.indexRun({
        full: batch.full,
        outcome,
        seconds: (performance.now() - t0) / 1000,
        parsed: summary?.parsed ?? 0,
        reused: summary?.reused ?? 0,
        deleted: summary?.deleted ?? 0,
        newChunks: summary?.newChunks ?? 0,
      });
    // A run that does not finish leaves its events waiting for the next one.
    const requeue = () => {
      if (!events) return;
      const now = this.waitingEvents.get(repoId) ?? new Map<EventSource, number>();
      for (const [src, at] of events) now.set(src, Math.min(at, now.get(src) ?? at));
      this.waitingEvents.set(repoId, now);
    };
    if (!repo) {
      await jobs.finishJobs(repoId, batch);
      return;
    }
    activity.full = batch.full;
    activity.reasons = batch.reasons;
    const t0 = performance.now();
    // A span per run and one per phase (scan, index, cleanup, history), from the progress reports.
    const span = this.tracer.startSpan('contextd.index', { 'contextd.repo': repo.name, 'contextd.full': batch.full, 'contextd.paths': batch.paths.length });
    let phase: { name: string; span: TraceSpan } | null = null;
    const endPhase = () => {
      phase?.span.end();
      phase = null;
    };
    try {
      const summary = await this.engine.index(repo.root, {
        paths: batch.full ? undefined : batch.paths,
        signal: AbortSignal.any([this.abort.signal, cancelled]),
        onProgress: (p) => {
          activity.progress = p;
          if (this.tracer.enabled && phase?.name !== p.phase) {
            endPhase();
            phase = { name: p.phase, span: span.child(`contextd.index.${p.phase}`) };
          }
        },
        // Lexical and symbol search see the files now: embedding fills in behind, overlapping history enrichment.
        onFilesStored: () => void this.embedBehind(repo, false),
      });
      endPhase();
      span.setAttributes({ 'contextd.parsed': summary.parsed, 'contextd.reused': summary.reused, 'contextd.new_chunks': summary.newChunks });
      span.end();
      await jobs.finishJobs(repoId, batch);
      this.retryAfter.delete(repoId);
      this.totals.runs++;
      this.totals.parsed += summary.parsed;
      this.totals.reused += summary.reused;
      this.totals.newChunks += summary.newChunks;
      record('ok', summary);
      const end = Date.now();
      for (const [src, at] of events ?? []) this.metrics?.madeSearchable(src, (end - at) / 1000);
      // Vectors for semantic search, in the background: search already works; errors show in embeddingProgress().
      void this.embedBehind(repo, true);
      this.log.info(
        {
          repo: repo.root,
          full: batch.full,
          paths: batch.paths.length,
          reasons: batch.reasons,
          parsed: summary.parsed,
          reused: summary.reused,
          deleted: summary.deleted,
          newChunks: summary.newChunks,
          ms: Math.round(performance.now() - t0),
        },
        'index updated',
      );
    } catch (err) {
      endPhase();
      span.end(errorMessage(err));
      if (this.abort.signal.aborted) return; // shutting down: the jobs stay queued
      requeue();
      if (cancelled.aborted) {
        record('cancelled');
        this.retryAfter.set(repoId, Date.now() + RETRY_MS);
        setTimeout(() => this.kick(), RETRY_MS).unref();
        this.log.info({ repo: repo.root, reason: errorMessage(cancelled.reason) }, 'index run cancelled; the work stays queued');
        return;
      }
      if (isContextdError(err) && err.code === 'repo-busy') {
        record('busy');
        // Another daemon sharing the store holds the repository's lock: not a failure; the jobs stay queued.
        this.retryAfter.set(repoId, Date.now() + SOON_MS);
        setTimeout(() => this.kick(), SOON_MS).unref();
        this.log.info({ repo: repo.root }, 'another daemon is indexing this repository; will retry');
        return;
      }
      this.totals.failures++;
      record('failed');
      if (isContextdError(err) && err.code === 'store-unavailable') {
        // Nothing of the failed batch was stored and the jobs stay queued; the store reconnects by itself.
        this.retryAfter.set(repoId, Date.now() + SOON_MS);
        setTimeout(() => this.kick(), SOON_MS).unref();
        this.log.error({ repo: repo.root, err: errorMessage(err) }, 'index run failed: store unreachable; will retry');
        return;
      }
      this.retryAfter.set(repoId, Date.now() + RETRY_MS);
      setTimeout(() => this.kick(), RETRY_MS).unref();
      await repos.updateRepo(repoId, { lastError: errorMessage(err) }).catch(() => {});
      this.log.error({ repo: repo.root, err: errorMessage(err) }, 'index run failed; will retry');
    }
  }

  /** Vectors for semantic search, in the background (a run in progress is joined): search already works; errors show in embeddingProgress(). */
  /**
   * Embeds what the run stored (search already answers without it), then loads or builds the
   * vector graph so the first search that needs it does not; after a finished run, `locate`'s
   * corpus is rebuilt and its weights retrained when the history grew (repositories that use it).
   */
  private async embedBehind(repo: { name: string; root: string }, thenLocate: boolean): Promise<void> {
    const span = this.tracer.startSpan('contextd.embed', { 'contextd.repo': repo.name });
    let added = 0;
    let failure: string | undefined;
    try {
      added = (await this.engine.embedPending({ signal: this.abort.signal })).added;
      this.embedRetryMs = 0;
      await this.engine.warmVectors();
    } catch (err) {
      failure = errorMessage(err);
      if (!this.abort.signal.aborted) {
        // Without a retry, semantic search (and the health verdict) would stay failed until the next commit.
        const inMs = this.retryEmbedding(repo);
        this.log.warn({ err: failure, retryInMs: inMs }, 'embedding failed; retrying');
      }
    }
    span.setAttributes({ 'contextd.embedded': added });
    span.end(failure);
    if (thenLocate && !this.abort.signal.aborted)
      await this.engine
        .refreshLocate(repo.root)
        .catch((err) => this.log.warn({ err: errorMessage(err) }, 'locate refresh failed; the next locate call retries'));
  }

  /** Schedules one more embedding run (5 s, doubling to 5 min while it keeps failing); returns the delay. */
  private retryEmbedding(repo: { name: string; root: string }): number {
    if (this.embedRetry || this.stopped) return this.embedRetryMs;
    this.embedRetryMs = Math.min(Math.max(this.embedRetryMs * 2, 5_000), 300_000);
    this.embedRetry = setTimeout(() => {
      this.embedRetry = null;
      void this.embedBehind(repo, false);
    }, this.embedRetryMs);
    this.embedRetry.unref();
    return this.embedRetryMs;
  }

  /** Stop taking work; let running repositories finish their current file; wait for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.embedRetry) clearTimeout(this.embedRetry);
    this.embedRetry = null;
    this.abort.abort(new Error('daemon stopping'));
    await this.pass?.catch(() => {});
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /**
   * Resolves when the queue is empty and nothing runs (for tests and `contextd add --wait`);
   * given a repository, when nothing is queued or running for that one.
   */
  async idle(timeoutMs = 60_000, repoId?: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pending = await this.engine.jobs.pendingJobs();
      const quiet = repoId === undefined ? !pending.size && !this.running.size && !this.pass : !pending.get(repoId) && !this.running.has(repoId);
      if (quiet) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }
}
