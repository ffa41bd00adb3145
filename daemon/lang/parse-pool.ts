/**
 * ParsePool: parseFile on worker threads, so tree-sitter's CPU time (and its
 * wasm memory) stays off the daemon's event loop.
 *
 * - One job per worker at a time; further jobs wait in a FIFO queue.
 * - A worker that dies (wasm abort, OOM, uncaught error) rejects only the job
 *   it was running and is replaced; a job running past jobTimeoutMs is
 *   rejected and its worker replaced the same way. Nothing waits forever.
 * - If workers cannot even start (three in a row die before saying ready),
 *   the pool stops spawning and parses in-process instead, so indexing keeps
 *   working; `mode` and `lastError` say so.
 * - Idle workers are unref'd: a pool nobody closed does not keep the process
 *   alive, while a pending job does; with `idleMs` they also exit after that long idle.
 *
 * Works from TypeScript sources run through tsx (the worker gets the parent's
 * execArgv, so `--import tsx` applies to it too) and from tsc's dist/ output.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseFile } from './chunker.js';
import type { JobMessage, ParseJobMessage, ParseReplyMessage } from './parse-protocol.js';
import type { ChunkOptions, ParsedFile } from './types.js';

export interface ParsePoolOptions {
  /** Worker threads; 0 parses in-process. Default min(availableParallelism, 4), at least 1. */
  workers?: number;
  /** A job running longer than this is rejected and its worker replaced. Default 60,000 ms. */
  jobTimeoutMs?: number;
  /** Worker script (defaults to parse-worker next to this module). For tests and embedders. */
  workerUrl?: URL;
  /**
   * Workers with nothing to do for this long exit (the next job starts them again): a
   * worker's wasm heap keeps its high-water mark and it holds its own copy of the grammars
   * and the built-in model, so a daemon between index runs should not. Default: never.
   */
  idleMs?: number;
}

interface Job {
  id: number;
  msg: JobMessage;
  resolve: (r: never) => void;
  reject: (e: Error) => void;
  /** A task's in-process fallback (the pool cannot run a worker's own task itself). */
  local?: () => Promise<unknown>;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  /** Set when the pool ended this worker on purpose (timeout); its exit is not a startup failure. */
  retired: boolean;
}

const MAX_STARTUP_FAILURES = 3;

function defaultWorkerUrl(): URL {
  // Under tsx this module is parse-pool.ts and the worker must be the .ts source; under dist/ both are .js.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./parse-worker${ext}`, import.meta.url);
}

/**
 * Start a worker on `url`. A TypeScript worker needs tsx inside the worker:
 * on Node 20 the loader hooks that `--import tsx` registers in the parent do
 * not apply to a worker's modules even though the worker inherits execArgv
 * (nodejs/node#47747), so a tiny eval'd bootstrap registers tsx's ESM hooks in
 * the worker first and then imports the real entry. Compiled .js workers
 * start directly. tsx is only needed (and only resolved) when running sources.
 */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    return new Worker(url); // fails to start with a clear "unknown file extension" error
  }
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true });
}

export class ParsePool {
  /** Number of worker threads (0 = in-process). */
  readonly size: number;
  private readonly jobTimeoutMs: number;
  private readonly workerUrl: URL;
  private readonly slots: (Slot | null)[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private startupFailures = 0;
  private inProcess: boolean;
  private lastErrorText: string | null = null;
  private readonly idleMs: number | null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(opts: ParsePoolOptions = {}) {
    const requested = opts.workers ?? Math.max(1, Math.min(os.availableParallelism(), 4));
    this.size = Math.max(0, Math.floor(requested));
    this.jobTimeoutMs = opts.jobTimeoutMs ?? 60_000;
    this.workerUrl = opts.workerUrl ?? defaultWorkerUrl();
    this.inProcess = this.size === 0;
    this.idleMs = opts.idleMs ?? null;
    // Workers start lazily with the first job: a pool that is never used costs nothing.
  }

  /** 'workers', or 'in-process' (asked for 0 workers, or workers could not start: see lastError). */
  get mode(): 'workers' | 'in-process' {
    return this.inProcess ? 'in-process' : 'workers';
  }

  /** The last worker failure (crash, timeout, startup error), for status output. */
  get lastError(): string | null {
    return this.lastErrorText;
  }

  parse(path: string, text: string, language: string, opts?: ChunkOptions): Promise<ParsedFile> {
    if (this.closed) return Promise.reject(new Error('parse pool is closed'));
    if (this.inProcess) return parseFile(path, text, language, opts);
    return new Promise<ParsedFile>((resolve, reject) => {
      const id = this.nextId++;
      const msg: ParseJobMessage = { type: 'parse', id, path, text, language };
      if (opts) msg.opts = opts;
      this.queue.push({ id, msg, resolve, reject });
      this.ensureWorkers();
      this.dispatch();
    });
  }

  /**
   * A job the worker script defines (see TaskJobMessage): posted as is, answered with the
   * worker's result. `local` does the same work in this thread when the pool parses in-process.
   * Jobs are sent as workers free up, so at most `size` are in the workers at once.
   */
  task<T>(path: string, payload: unknown, local: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('parse pool is closed'));
    if (this.inProcess) return local();
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, msg: { type: 'task', id, path, payload }, resolve: resolve as (r: never) => void, reject, local });
      this.ensureWorkers();
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const err = new Error('parse pool closed');
    for (const job of this.queue.splice(0)) job.reject(err);
    const exits: Promise<number>[] = [];
    for (const slot of this.slots) {
      if (!slot) continue;
      if (slot.timer) clearTimeout(slot.timer);
      slot.job?.reject(err);
      slot.job = null;
      exits.push(slot.worker.terminate());
    }
    this.slots.length = 0;
    await Promise.allSettled(exits);
  }

  private ensureWorkers(): void {
    for (let i = 0; i < this.size; i++) if (!this.slots[i]) this.spawn(i);
  }

  private spawn(index: number): void {
    let worker: Worker;
    try {
      worker = startWorker(this.workerUrl);
    } catch (err) {
      // Leave the slot empty; the retry goes through dispatch, and three failures switch to in-process.
      if (!this.startupFailed(err instanceof Error ? err.message : String(err))) setImmediate(() => this.dispatch());
      return;
    }
    const slot: Slot = { worker, ready: false, job: null, timer: null, retired: false };
    this.slots[index] = slot;
    let failure: Error | null = null;

    worker.on('message', (msg: ParseReplyMessage) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        this.startupFailures = 0;
        this.dispatch();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return; // a reply to a job that already timed out
      this.finish(slot);
      if (msg.type === 'result' || msg.type === 'task-result') (job.resolve as (r: unknown) => void)(msg.result);
      else job.reject(new Error(msg.message));
      this.dispatch();
    });
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', (code) => {
      if (this.closed || this.slots[index] !== slot) return;
      this.slots[index] = null;
      const reason = failure?.message || `exit code ${code}`;
      const job = slot.job;
      this.finish(slot);
      if (job) {
        this.lastErrorText = `parse worker died while parsing ${job.msg.path}: ${reason}`;
        job.reject(new Error(this.lastErrorText));
      }
      if (!slot.ready && !slot.retired && this.startupFailed(reason)) return;
      if (this.queue.length) this.spawn(index);
      this.dispatch();
    });
  }

  /** Count a worker that never became ready; true when that was one too many and the pool went in-process. */
  private startupFailed(reason: string): boolean {
    this.lastErrorText = `parse worker failed to start: ${reason}`;
    if (++this.startupFailures < MAX_STARTUP_FAILURES) return false;
    this.fallBackInProcess();
    return true;
  }

  /** Workers cannot start here: stop trying and serve every queued and future job in this thread. */
  private fallBackInProcess(): void {
    this.inProcess = true;
    // Jobs still running on a worker that did start are redone here too: nothing is lost or left hanging.
    const redo: Job[] = [];
    for (const slot of this.slots) {
      if (!slot) continue;
      if (slot.job) redo.push(slot.job);
      this.finish(slot);
      void slot.worker.terminate();
    }
    this.slots.length = 0;
    for (const job of [...redo, ...this.queue.splice(0)]) {
      const resolve = job.resolve as (r: unknown) => void;
      if (job.msg.type === 'task') {
        if (job.local) job.local().then(resolve, job.reject);
        else job.reject(new Error('parse workers could not start'));
        continue;
      }
      const { path, text, language, opts } = job.msg;
      parseFile(path, text, language, opts).then(resolve, job.reject);
    }
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** A worker holds the process open only while it has work: a running job, or queued jobs to start on. */
  private refresh(): void {
    const waiting = this.queue.length > 0;
    let busy = waiting;
    for (const slot of this.slots) {
      if (!slot) continue;
      if (slot.job || waiting) slot.worker.ref();
      else slot.worker.unref();
      if (slot.job) busy = true;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!busy && this.idleMs !== null && this.slots.some((s) => s)) {
      this.idleTimer = setTimeout(() => this.retireIdle(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  /** Number of worker threads running now (they start with the first job and, with idleMs, exit when idle). */
  get liveWorkers(): number {
    return this.slots.filter((s) => s).length;
  }

  private retireIdle(): void {
    this.idleTimer = null;
    if (this.closed || this.queue.length || this.slots.some((s) => s?.job)) return;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!slot) continue;
      // Out of the pool first: its exit is neither a failure nor a reason to respawn.
      this.slots[i] = null;
      slot.retired = true;
      void slot.worker.terminate();
    }
  }

  private dispatch(): void {
    if (this.closed || this.inProcess) return;
    for (let i = 0; i < this.size && this.queue.length && !this.inProcess; i++) {
      const slot = this.slots[i];
      if (!slot) {
        this.spawn(i);
        continue;
      }
      if (!slot.ready || slot.job || slot.retired) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      slot.timer = setTimeout(() => this.timeOut(slot, job), this.jobTimeoutMs);
      slot.worker.postMessage(job.msg);
    }
    this.refresh();
  }

  private timeOut(slot: Slot, job: Job): void {
    if (slot.job !== job) return;
    this.finish(slot);
    this.lastErrorText = `parsing ${job.msg.path} took longer than ${this.jobTimeoutMs} ms`;
    job.reject(new Error(this.lastErrorText));
    // The worker may be stuck in wasm: replace it rather than wait for it.
    slot.retired = true;
    void slot.worker.terminate();
    this.dispatch();
  }
}
