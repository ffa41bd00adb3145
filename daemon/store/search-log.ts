/**
 * The search history for both backends (SqlPort): one `search_log` row per search made
 * through the CLI, MCP or LSP (time, front end, repository, mode, query, hit count,
 * latency, and the hit the client opened next when known). Rows belong to a machine, as
 * repositories do on a shared PostgreSQL database. Ids are made by the recorder, so rows
 * can be written in batches and an "opened" mark can reach a row not yet written.
 */
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';

export type SearchFrontEnd = 'cli' | 'mcp' | 'lsp' | 'other';
export type SearchOutcome = 'hits' | 'empty' | 'error';

export interface SearchLogEntry {
  /** Grows with time (see SearchHistory.newId): epoch ms × 2048 + a per-process sequence. */
  id: number;
  /** Epoch milliseconds. */
  at: number;
  frontEnd: SearchFrontEnd;
  /** The repository root searched; null for every repository. */
  repo: string | null;
  mode: string;
  query: string;
  hits: number;
  latencyMs: number;
  outcome: SearchOutcome;
  /** The hit the client read next (MCP get_code after search_code): its path and 1-based rank, when known. */
  openedPath: string | null;
  openedRank: number | null;
}

export interface SearchLogStore {
  append(entries: readonly SearchLogEntry[]): Promise<void>;
  /** Marks what the client opened after a search (the first mark wins). */
  markOpened(id: number, path: string, rank: number | null): Promise<void>;
  /** Newest first: searches at or after `since` (epoch ms), at most `limit`. */
  list(opts: { since?: number; limit: number }): Promise<SearchLogEntry[]>;
  /** Deletes this machine's searches before `before` (epoch ms; all when absent); returns how many. */
  clear(before?: number): Promise<number>;
}

const COLS = ['id', 'machine', 'at', 'front_end', 'repo', 'mode', 'query', 'hits', 'latency_us', 'outcome', 'opened_path', 'opened_rank'] as const;
const ROW = `(${COLS.map(() => '?').join(', ')})`;
const INSERT_ONE = `INSERT INTO search_log (${COLS.join(', ')}) VALUES ${ROW} ON CONFLICT (id) DO NOTHING`;
const GROUP = 50;
const INSERT_GROUP = `INSERT INTO search_log (${COLS.join(', ')}) VALUES ${Array.from({ length: GROUP }, () => ROW).join(', ')} ON CONFLICT (id) DO NOTHING`;

/**
 * Rows the search log changed per connection (its port): the SQLite store keys caches that
 * must follow view writes by `total_changes()`, and subtracts these, so that recording a
 * search does not throw away the per-repository lexical statistics (repo-bm25.ts).
 */
const changedRows = new WeakMap<SqlPort, number>();

export function searchLogChanges(port: SqlPort): number {
  return changedRows.get(port) ?? 0;
}

export class SqlSearchLog implements SearchLogStore {
  constructor(
    private readonly port: SqlPort,
    private readonly machine: string,
  ) {}

  private counted(n: number): number {
    changedRows.set(this.port, searchLogChanges(this.port) + n);
    return n;
  }

  async append(entries: readonly SearchLogEntry[]): Promise<void> {
    if (!entries.length) return;
    const row = (e: SearchLogEntry) => [
      e.id,
      this.machine,
      e.at,
      e.frontEnd,
      e.repo,
      e.mode,
      e.query,
      e.hits,
      Math.round(e.latencyMs * 1000),
      e.outcome,
      e.openedPath,
      e.openedRank,
    ];
    let changed = 0;
    const run = async (c: SqlPort, text: string, params: unknown[]) => void (changed += await c.run(text, params));
    await this.port.tx(async (c) => {
      // SQLite: statements of a fixed size (prepared once, then reused from the connection's
      // statement cache) for full groups, one row at a time for the rest; PostgreSQL: few round trips.
      if (c.dialect === 'sqlite') {
        let i = 0;
        for (; i + GROUP <= entries.length; i += GROUP) await run(c, INSERT_GROUP, entries.slice(i, i + GROUP).flatMap(row));
        for (; i < entries.length; i++) await run(c, INSERT_ONE, row(entries[i]));
        return;
      }
      for (const part of batchesFor(entries, COLS.length)) {
        const params: unknown[] = [];
        await run(c, `INSERT INTO search_log (${COLS.join(', ')}) VALUES ${valuesList(part.map(row), params)} ON CONFLICT (id) DO NOTHING`, params);
      }
    });
    this.counted(changed);
  }

  async markOpened(id: number, path: string, rank: number | null): Promise<void> {
    this.counted(
      await this.port.run('UPDATE search_log SET opened_path = ?, opened_rank = ? WHERE id = ? AND machine = ? AND opened_path IS NULL', [
        path,
        rank,
        id,
        this.machine,
      ]),
    );
  }

  async list(opts: { since?: number; limit: number }): Promise<SearchLogEntry[]> {
    const rows = await this.port.all<Record<string, unknown>>(
      `SELECT ${COLS.join(', ')} FROM search_log WHERE machine = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`,
      [this.machine, opts.since ?? 0, opts.limit],
    );
    return rows.map(toEntry);
  }

  async clear(before?: number): Promise<number> {
    if (before === undefined) return this.counted(await this.port.run('DELETE FROM search_log WHERE machine = ?', [this.machine]));
    return this.counted(await this.port.run('DELETE FROM search_log WHERE machine = ? AND at < ?', [this.machine, before]));
  }
}

function toEntry(r: Record<string, unknown>): SearchLogEntry {
  return {
    id: Number(r.id),
    at: Number(r.at),
    frontEnd: String(r.front_end) as SearchFrontEnd,
    repo: r.repo === null ? null : String(r.repo),
    mode: String(r.mode),
    query: String(r.query),
    hits: Number(r.hits),
    latencyMs: Number(r.latency_us) / 1000,
    outcome: String(r.outcome) as SearchOutcome,
    openedPath: r.opened_path === null ? null : String(r.opened_path),
    openedRank: r.opened_rank === null ? null : Number(r.opened_rank),
  };
}
