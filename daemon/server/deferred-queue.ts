/**
 * Work that could not be queued because the store was unreachable (a database
 * server that went away): a hook's commit event, the watcher's file events. The
 * repository is remembered here and a whole-tree reconcile is queued as soon as the
 * store answers again (a reconcile covers whatever the lost events would have), so
 * nothing is lost while the store is down.
 */
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';

export class DeferredQueue {
  private readonly roots = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** When the oldest remembered repository was added, and the store's last error: for `status`. */
  private since: number | null = null;
  private lastError = '';

  constructor(
    /** Queues a reconcile of the repository at root (throws while the store is still down). */
    private readonly enqueue: (root: string) => Promise<void>,
    private readonly log: Logger,
    private readonly retryMs = 5_000,
  ) {}

  get size(): number {
    return this.roots.size;
  }

  /** What `status` shows while work waits for the store (null when nothing does). */
  stall(): { since: number; reason: string; waiting: number } | null {
    return this.roots.size && this.since !== null ? { since: this.since, reason: this.lastError, waiting: this.roots.size } : null;
  }

  add(root: string, err: unknown): void {
    if (this.stopped) return;
    if (!this.roots.size) this.since = Date.now();
    this.lastError = errorMessage(err);
    if (!this.roots.has(root)) this.log.warn({ repo: root, err: errorMessage(err) }, 'store unreachable: will queue a reconcile when it answers');
    this.roots.add(root);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => void this.flush(), this.retryMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    this.timer = null;
    for (const root of [...this.roots]) {
      try {
        await this.enqueue(root);
        this.roots.delete(root);
      } catch {
        break; // still down: try again later
      }
    }
    if (this.roots.size) this.schedule();
    else this.since = null;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
