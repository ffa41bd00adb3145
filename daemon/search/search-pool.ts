/**
 * Searches on worker threads, for the daemon: with the embedded store every
 * query runs synchronously on the thread that asks (better-sqlite3), so twenty
 * agents searching at once would queue behind one core. Each worker has its own
 * read-only connection (WAL readers never block each other or the writer).
 *
 * The pool never makes a search fail that would have worked in-process: when no
 * worker is ready (starting, crashed, restarted), `search` rejects with
 * PoolUnavailable and the caller runs the search itself. Errors of the search
 * (a bad query) come back as they are, and so does a search that outlives the
 * timeout (`search-timeout`: on the main thread it would stall the daemon).
 */
import type { Worker } from 'node:worker_threads';
import type { ContextdConfig } from '../config/config.js';
import { ContextdError } from '../errors.js';
import { startWorker, workerUrl } from '../threads.js';
import type { SearchHit } from './search.js';
import type { SemanticRetriever } from './semantic.js';
import { deserializeError, serializeError, type FromWorker, type PoolSearchOptions, type ToWorker } from './search-protocol.js';

/** No worker could take the search: run it in-process. */
export class PoolUnavailable extends Error {
  constructor(reason: string) {
    super(`search workers unavailable: ${reason}`);
    this.name = 'PoolUnavailable';
  }
}

interface Slot {
  worker: Worker;
  /** Takes searches now. */
  ready: boolean;
  /** Opened its store and said so once (a worker that never did counts as a failed start). */
  started: boolean;
}

interface Pending {
  slot: Slot;
  semantic?: SemanticRetriever;
  resolve: (hits: SearchHit[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface SearchPoolOptions {
  size: number;
  config: ContextdConfig;
  /** A search taking longer than this fails with `search-timeout`, and its worker is replaced. */
  timeoutMs?: number;
  /** Worker trouble, for the daemon's log. */
  onEvent?: (message: string, detail: Record<string, unknown>) => void;
}

/** After this many workers died without ever becoming ready, stop starting them (the store cannot be opened read-only, say). */
const MAX_FAILED_STARTS = 3;

export class SearchPool {
  private readonly slots: (Slot | null)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failedStarts = 0;
  /** Searches the workers answered (errors included). */
  served = 0;
  private closed = false;
  private readonly url = workerUrl(import.meta.url, 'search-worker');

  constructor(private readonly opts: SearchPoolOptions) {
    for (let i = 0; i < opts.size; i++) this.slots.push(this.start(i));
  }

  get size(): number {
    return this.opts.size;
  }

  /** Workers ready to take a search now. */
  get readyWorkers(): number {
    return this.slots.filter((s) => s?.ready).length;
  }

  search(query: string, opts: PoolSearchOptions, semantic?: SemanticRetriever): Promise<SearchHit[]> {
    // The least busy ready worker: searches are CPU-bound, so spread them.
    let slot: Slot | null = null;
    for (const s of this.slots) if (s?.ready && (!slot || this.inFlight(s).length < this.inFlight(slot).length)) slot = s;
    if (!slot) return Promise.reject(new PoolUnavailable(this.closed ? 'closed' : 'none ready'));
    const id = this.nextId++;
    const chosen = slot;
    return new Promise<SearchHit[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Not retried on the main thread: a search this slow would stall the daemon there.
        // The worker is replaced (it may be stuck); its other searches run in-process.
        this.opts.onEvent?.('search worker too slow; restarting it', { query, timeoutMs: this.timeoutMs });
        this.settle(id);
        chosen.ready = false; // no new searches for it while it goes
        reject(
          new ContextdError('search-timeout', `the search took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped`, {
            hint: 'try fewer or rarer words, or narrow it with --path / --lang',
          }),
        );
        void chosen.worker.terminate();
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { slot: chosen, semantic, resolve, reject, timer });
      const msg: ToWorker = { type: 'search', id, query, opts, semantic: !!semantic };
      chosen.worker.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.map((s) => s?.worker).filter((w): w is Worker => !!w);
    this.slots.fill(null);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 30_000;
  }

  private start(index: number): Slot {
    const worker = startWorker(this.url, { config: this.opts.config });
    const slot: Slot = { worker, ready: false, started: false };
    worker.unref();
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.opts.onEvent?.('search worker failed', { err: err.message }));
    worker.on('exit', (code) => this.onExit(index, slot, code));
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true;
      slot.started = true;
      this.failedStarts = 0;
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'semantic') {
      const reply = (r: Omit<Extract<ToWorker, { type: 'semantic-result' }>, 'type' | 'ask'>) =>
        slot.worker.postMessage({ type: 'semantic-result', ask: m.ask, ...r } satisfies ToWorker);
      if (!p.semantic) return reply({ hits: [] });
      p.semantic(m.query, m.filter, m.limit).then(
        (hits) => reply({ hits }),
        (err: unknown) => reply({ error: serializeError(err) }),
      );
      return;
    }
    this.settle(m.id);
    this.served++;
    if (m.error) p.reject(deserializeError(m.error));
    else p.resolve(m.hits ?? []);
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
  }

  /** Ids of the searches a worker has not answered yet. */
  private inFlight(slot: Slot): number[] {
    return [...this.pending].filter(([, p]) => p.slot === slot).map(([id]) => id);
  }

  private onExit(index: number, slot: Slot, code: number): void {
    for (const id of this.inFlight(slot)) {
      const p = this.pending.get(id)!;
      this.settle(id);
      p.reject(new PoolUnavailable(`worker exited (${code})`));
    }
    if (this.closed || this.slots[index] !== slot) return;
    this.slots[index] = null;
    if (!slot.started && ++this.failedStarts >= MAX_FAILED_STARTS) {
      this.opts.onEvent?.('search workers cannot start; searching on the main thread', { exitCode: code });
      return;
    }
    // Replace it after a pause (a worker that dies at once must not spin).
    setTimeout(
      () => {
        if (!this.closed && this.slots[index] === null) this.slots[index] = this.start(index);
      },
      Math.max(50, 200 * this.failedStarts),
    ).unref();
  }
}
