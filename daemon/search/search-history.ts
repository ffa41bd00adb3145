/**
 * Records searches into the store's search log without slowing searches down: entries
 * are buffered and written in one transaction per flush (a timer, a full buffer, or
 * close), so a search costs an object push, not a write. An "opened" mark for an entry
 * still in the buffer patches it there. Old entries are dropped by retention at most
 * hourly. Writes that fail are dropped (history is best-effort; searches never fail for it).
 */
import type { SearchLogEntry, SearchLogStore } from '../store/search-log.js';

export interface SearchHistorySettings {
  enabled: boolean;
  retentionDays: number;
  /** Buffered entries are written this often (ms). */
  flushMs?: number;
  /** ... or when this many wait. */
  maxBuffered?: number;
}

const HOUR_MS = 3_600_000;
const ID_SEQ = 2048;

export class SearchHistory {
  private buffer: SearchLogEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  /** The last id made here (ids only grow), and this process's random low bits (two processes rarely meet on one id). */
  private lastId = 0;
  private readonly salt = Math.floor(Math.random() * ID_SEQ);
  /** Entries dropped because the store refused them (status and tests). */
  dropped = 0;

  constructor(
    private readonly log: SearchLogStore,
    private readonly settings: SearchHistorySettings,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** An id that grows with time: epoch ms × 2048 + this process's salt, and always above the last (safe integers until the year 2109). */
  newId(): number {
    this.lastId = Math.max(this.lastId + 1, Date.now() * ID_SEQ + this.salt);
    return this.lastId;
  }

  record(entry: Omit<SearchLogEntry, 'id' | 'openedPath' | 'openedRank'> & Partial<Pick<SearchLogEntry, 'id' | 'openedPath' | 'openedRank'>>): void {
    if (!this.settings.enabled) return;
    this.buffer.push({
      id: entry.id ?? this.newId(),
      at: entry.at,
      frontEnd: entry.frontEnd,
      repo: entry.repo,
      mode: entry.mode,
      query: entry.query,
      hits: entry.hits,
      latencyMs: entry.latencyMs,
      outcome: entry.outcome,
      openedPath: entry.openedPath ?? null,
      openedRank: entry.openedRank ?? null,
    });
    if (this.buffer.length >= (this.settings.maxBuffered ?? 200)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.settings.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Entries written elsewhere (a one-shot CLI's, forwarded to the daemon): buffered like our own. */
  add(entries: readonly SearchLogEntry[]): void {
    if (!this.settings.enabled) return;
    for (const e of entries) this.record(e);
  }

  /** Takes the entries not written yet (to hand them to another writer); `restore` puts them back. */
  takeBuffered(): SearchLogEntry[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  restore(entries: readonly SearchLogEntry[]): void {
    this.buffer.unshift(...entries);
  }

  /** The client read `path` after search `id` (rank: 1-based place among its hits, when it was one). */
  async opened(id: number, path: string, rank: number | null): Promise<void> {
    if (!this.settings.enabled) return;
    const waiting = this.buffer.find((e) => e.id === id);
    if (waiting) {
      if (waiting.openedPath === null) Object.assign(waiting, { openedPath: path, openedRank: rank });
      return;
    }
    await this.writing;
    await this.log.markOpened(id, path, rank).catch(() => undefined);
  }

  /** Writes what is buffered (and applies retention at most hourly); resolves when it is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      if (batch.length) await this.log.append(batch).catch(() => void (this.dropped += batch.length));
      const now = Date.now();
      if (now - this.lastPrune > HOUR_MS) {
        this.lastPrune = now;
        await this.log.clear(now - this.settings.retentionDays * 24 * HOUR_MS).catch(() => undefined);
      }
    });
    return this.writing;
  }

  async list(opts: { since?: number; limit: number }): Promise<SearchLogEntry[]> {
    await this.flush();
    return this.log.list(opts);
  }

  async clear(): Promise<number> {
    this.buffer = [];
    await this.flush();
    return this.log.clear();
  }

  close(): Promise<void> {
    return this.flush();
  }
}
