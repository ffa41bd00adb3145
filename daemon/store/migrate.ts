/**
 * `contextd migrate`: copies an index between the SQLite and PostgreSQL stores without
 * parsing or embedding anything again. Every table is copied row by row (repositories,
 * views, parses, chunks, symbols, jobs, commits, blame, models, vectors, settings); the
 * lexical indexes are rebuilt from the stored chunk texts and commit messages with the
 * same tokenizer, and FTS5's statistics (rows and tokens ever inserted) are carried over,
 * so the target ranks every query exactly as the source did.
 *
 * - Ids are the target's own (allocated in the source's order, so relative orders hold).
 *   Content already in a shared PostgreSQL database (parses, chunks, commits, vectors,
 *   other machines' repositories) is kept and reused, never duplicated.
 * - A target that already holds this machine's index is refused unless `force`; `force`
 *   replaces only this machine's repositories (in a shared database, other machines'
 *   data is left alone). A migration that was interrupted leaves a marker in the target
 *   and is simply run again (it starts over: safe to re-run).
 * - From PostgreSQL, only this machine's repositories are copied (with all content).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { z } from 'zod';
import { ContextdError } from '../errors.js';
import { indexText } from '../search/tokenize.js';
import { sql, type PgDb, type Queryable } from './pg-db.js';
import { COMMIT_LEXICON, CHUNK_LEXICON, lexicalDocs } from './postgres-lexical.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';

export type StoreRef = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface MigrateOptions {
  from: StoreRef;
  to: StoreRef;
  /** This machine's identity (PostgreSQL side). */
  machine: string;
  /** Replace this machine's index in the target. */
  force?: boolean;
  /** The data directory whose ANN cache (vectors/) goes stale with new vector keys. */
  dataDir?: string;
  onProgress?: (table: string, copied: number) => void;
  /** For tests: stop after this many batches (simulates an interrupted migration). */
  stopAfterBatches?: number;
}

export interface MigrateSummary {
  from: string;
  to: string;
  /** Rows copied per table (content already in the target is counted as reused). */
  tables: Record<string, number>;
  reused: { parses: number; commits: number; vectors: number };
  /** The target held an interrupted migration, or this machine's index (force): it was replaced. */
  replaced: boolean;
  durationMs: number;
}

const BATCH = 2000;
const MARKER = 'migration:in-progress';

// ---- neutral rows ----

interface RepoRow { id: number; root: string; name: string; addedAt: number; indexedCommit: string | null; indexedAt: number | null; lastSummary: string | null; lastError: string | null; registered: boolean }
interface ParseRow { id: number; key: string; language: string; fallback: boolean; parseError: string | null; createdAt: number }
interface ChunkRowN { hash: string; language: string; text: string }
interface OccRow { id: number; parseId: number; ord: number; hash: string; start: number; end: number; symbol: string | null; kind: string; text: string }
interface SymRow { id: number; parseId: number; name: string; kind: string; container: string | null; start: number; end: number; nameLine: number; nameCol: number; signature: string }
interface FileRowN { repoId: number; path: string; blob: string; contentKey: string; size: number; language: string | null; encoding: string | null; status: string; skipReason: string | null; parseId: number | null; indexedAt: number }
interface JobRow { repoId: number; path: string; seq: number; reason: string; createdAt: number }
interface CommitRowN { id: number; sha: string; parents: string; authorName: string; authorEmail: string; authorTime: number; committerName: string; committerEmail: string; commitTime: number; subject: string; body: string; filesChanged: number | null }
interface CommitFileRow { commitId: number; path: string; status: string; oldPath: string | null }
interface RepoCommitRow { repoId: number; commitId: number }
interface StateRow { repoId: number; logTip: string | null; shallow: boolean; grafts: string; updatedAt: number }
interface BlameFileRow { repoId: number; path: string; blob: string; status: string; detail: string | null; lines: number; stale: boolean; blamedAt: number }
interface BlameRangeRow { repoId: number; path: string; start: number; end: number; commitId: number | null }
interface ModelRow { id: string; provider: string; dim: number; createdAt: number; trainedChunks: number; blob: Buffer | null }
interface VectorRowN { id: number; modelId: string; hash: string; vector: Buffer }
interface SettingRow { key: string; value: string }
interface FtsStats { nrow: number; ntok: number }

interface Rows {
  repos: RepoRow; parses: ParseRow; chunks: ChunkRowN; parse_chunks: OccRow; symbols: SymRow; files: FileRowN; jobs: JobRow;
  commits: CommitRowN; commit_files: CommitFileRow; repo_commits: RepoCommitRow; history_state: StateRow;
  blame_files: BlameFileRow; blame_ranges: BlameRangeRow; embed_models: ModelRow; chunk_vectors: VectorRowN; embed_settings: SettingRow;
}
type Table = keyof Rows;
const TABLES: Table[] = ['repos', 'parses', 'chunks', 'parse_chunks', 'symbols', 'files', 'jobs', 'commits', 'commit_files', 'repo_commits', 'history_state', 'blame_files', 'blame_ranges', 'embed_models', 'chunk_vectors', 'embed_settings'];

/** One end of a migration. Reads page by key order; writes return new ids where the target allocates them. */
interface Side {
  readonly label: string;
  /** Rows in key order; `range` keeps those whose column (a parse or commit id) lies in [lo, hi]. */
  read<T extends Table>(table: T, range?: { col: string; lo: number; hi: number }): AsyncGenerator<Rows[T][]>;
  /** Runs fn in one transaction: a parse with its occurrences and symbols, a commit with its files, land together. */
  group<T>(fn: () => Promise<T>): Promise<T>;
  ftsStats(): Promise<{ chunks: FtsStats; commits: FtsStats }>;
  /** Whether this machine's index is present, and the marker an interrupted migration left (JSON). */
  state(): Promise<{ hasIndex: boolean; marker: string | null; lexicalRows: number; commitLexRows: number }>;
  /** Removes this machine's index (and, for SQLite, everything). */
  clear(): Promise<void>;
  setMarker(value: string | null): Promise<void>;
  close(): Promise<void>;
  // writers
  insertRepos(rows: RepoRow[]): Promise<number[]>;
  /** Returns each parse's target id and whether it is new (its occurrences and symbols must be written). */
  insertParses(rows: ParseRow[]): Promise<{ id: number; fresh: boolean }[]>;
  insertChunks(rows: ChunkRowN[]): Promise<void>;
  insertOccurrences(rows: (OccRow & { parseId: number })[]): Promise<void>;
  insertSymbols(rows: SymRow[]): Promise<void>;
  insertFiles(rows: FileRowN[]): Promise<void>;
  insertJobs(rows: JobRow[]): Promise<void>;
  insertCommits(rows: CommitRowN[]): Promise<{ id: number; fresh: boolean }[]>;
  insertCommitFiles(rows: CommitFileRow[]): Promise<void>;
  insertRepoCommits(rows: RepoCommitRow[]): Promise<void>;
  insertStates(rows: StateRow[]): Promise<void>;
  insertBlameFiles(rows: BlameFileRow[]): Promise<void>;
  insertBlameRanges(rows: BlameRangeRow[]): Promise<void>;
  insertModels(rows: ModelRow[]): Promise<void>;
  insertVectors(rows: VectorRowN[]): Promise<number>;
  insertSettings(rows: SettingRow[]): Promise<void>;
  /**
   * Carries FTS5's statistics over: into an index that was empty, the source's (rows and tokens
   * ever inserted, deleted ones included); into a shared one, inserts already added their own.
   */
  setFtsStats(kind: 'chunks' | 'commits', source: FtsStats, wasEmpty: boolean): Promise<void>;
}

// ---- SQLite ----

/** FTS5's averages record (%_data id 1): varints nRow, then tokens per column. */
function readAverages(db: Db, fts: string): FtsStats {
  const row = db.prepare<[], { block: Buffer }>(`SELECT block FROM ${fts}_data WHERE id = 1`).get();
  if (!row) return { nrow: 0, ntok: 0 };
  const b = row.block;
  let pos = 0;
  const varint = (): number => {
    // SQLite varint: up to 8 bytes of 7 bits (high bit = more), a 9th byte of 8 bits.
    let v = 0;
    for (let i = 0; i < 8; i++) {
      const byte = b[pos++];
      v = v * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) return v;
    }
    return v * 256 + b[pos++];
  };
  const nrow = varint();
  let ntok = 0;
  while (pos < b.length) ntok += varint();
  return { nrow, ntok };
}

class SqliteSide implements Side {
  readonly label: string;
  private readonly db: Db;
  private constructor(
    private readonly store: SqliteStore,
    path: string,
  ) {
    this.label = path;
    this.db = store.raw;
  }

  static open(path: string): SqliteSide {
    return new SqliteSide(new SqliteStore(path), path);
  }

  async *read<T extends Table>(table: T, range?: { col: string; lo: number; hi: number }): AsyncGenerator<Rows[T][]> {
    const q: Record<Table, { sql: string; key: string[]; map: (r: Record<string, unknown>) => unknown }> = {
      repos: { sql: 'SELECT * FROM repos', key: ['id'], map: (r) => ({ id: r.id, root: r.root, name: r.name, addedAt: r.added_at, indexedCommit: r.indexed_commit, indexedAt: r.indexed_at, lastSummary: r.last_summary, lastError: r.last_error, registered: r.registered === 1 }) },
      parses: { sql: 'SELECT * FROM parses', key: ['id'], map: (r) => ({ id: r.id, key: r.parse_key, language: r.language, fallback: r.fallback === 1, parseError: r.parse_error, createdAt: r.created_at }) },
      chunks: { sql: 'SELECT hash, language, text FROM chunks', key: ['hash'], map: (r) => r },
      parse_chunks: {
        sql: 'SELECT pc.id, pc.parse_id, pc.ord, pc.chunk_hash, pc.start_line, pc.end_line, pc.symbol, pc.kind, c.text FROM parse_chunks pc JOIN chunks c ON c.hash = pc.chunk_hash',
        key: ['pc.id'],
        map: (r) => ({ id: r.id, parseId: r.parse_id, ord: r.ord, hash: r.chunk_hash, start: r.start_line, end: r.end_line, symbol: r.symbol, kind: r.kind, text: r.text }),
      },
      symbols: { sql: 'SELECT * FROM symbols', key: ['id'], map: (r) => ({ id: r.id, parseId: r.parse_id, name: r.name, kind: r.kind, container: r.container, start: r.start_line, end: r.end_line, nameLine: r.name_line, nameCol: r.name_col, signature: r.signature }) },
      files: { sql: 'SELECT * FROM files', key: ['repo_id', 'path'], map: (r) => ({ repoId: r.repo_id, path: r.path, blob: r.blob, contentKey: r.content_key, size: r.size, language: r.language, encoding: r.encoding, status: r.status, skipReason: r.skip_reason, parseId: r.parse_id, indexedAt: r.indexed_at }) },
      jobs: { sql: 'SELECT * FROM jobs', key: ['repo_id', 'path'], map: (r) => ({ repoId: r.repo_id, path: r.path, seq: r.seq, reason: r.reason, createdAt: r.created_at }) },
      commits: { sql: 'SELECT * FROM commits', key: ['id'], map: (r) => ({ id: r.id, sha: r.sha, parents: r.parents, authorName: r.author_name, authorEmail: r.author_email, authorTime: r.author_time, committerName: r.committer_name, committerEmail: r.committer_email, commitTime: r.commit_time, subject: r.subject, body: r.body, filesChanged: r.files_changed }) },
      commit_files: { sql: 'SELECT * FROM commit_files', key: ['commit_id', 'path'], map: (r) => ({ commitId: r.commit_id, path: r.path, status: r.status, oldPath: r.old_path }) },
      repo_commits: { sql: 'SELECT * FROM repo_commits', key: ['repo_id', 'commit_id'], map: (r) => ({ repoId: r.repo_id, commitId: r.commit_id }) },
      history_state: { sql: 'SELECT * FROM history_state', key: ['repo_id'], map: (r) => ({ repoId: r.repo_id, logTip: r.log_tip, shallow: r.shallow === 1, grafts: r.grafts, updatedAt: r.updated_at }) },
      blame_files: { sql: 'SELECT * FROM blame_files', key: ['repo_id', 'path'], map: (r) => ({ repoId: r.repo_id, path: r.path, blob: r.blob, status: r.status, detail: r.detail, lines: r.lines, stale: r.stale === 1, blamedAt: r.blamed_at }) },
      blame_ranges: { sql: 'SELECT * FROM blame_ranges', key: ['repo_id', 'path', 'start_line'], map: (r) => ({ repoId: r.repo_id, path: r.path, start: r.start_line, end: r.end_line, commitId: r.commit_id }) },
      embed_models: { sql: 'SELECT * FROM embed_models', key: ['id'], map: (r) => ({ id: r.id, provider: r.provider, dim: r.dim, createdAt: r.created_at, trainedChunks: r.trained_chunks, blob: r.blob }) },
      chunk_vectors: { sql: 'SELECT * FROM chunk_vectors', key: ['id'], map: (r) => ({ id: r.id, modelId: r.model_id, hash: r.chunk_hash, vector: r.vector }) },
      embed_settings: { sql: `SELECT * FROM embed_settings WHERE key NOT LIKE 'migration:%'`, key: ['key'], map: (r) => r },
    };
    const spec = q[table];
    const cols = spec.key.map((k) => k.replace(/^.*\./, ''));
    const conds: string[] = [];
    if (range) conds.push(`${range.col} BETWEEN ${Number(range.lo)} AND ${Number(range.hi)}`);
    let last: unknown[] | null = null;
    for (;;) {
      const all = last ? [...conds, `(${spec.key.join(', ')}) > (${spec.key.map(() => '?').join(', ')})`] : conds;
      const where = all.length ? ` ${/ WHERE /.test(spec.sql) ? 'AND' : 'WHERE'} ${all.join(' AND ')}` : '';
      const rows = this.db.prepare(`${spec.sql}${where} ORDER BY ${spec.key.join(', ')} LIMIT ${BATCH}`).all(...(last ?? [])) as Record<string, unknown>[];
      if (!rows.length) return;
      yield rows.map(spec.map) as Rows[T][];
      const end = rows[rows.length - 1];
      last = cols.map((c) => end[c]);
      if (rows.length < BATCH) return;
    }
  }

  async ftsStats() {
    return { chunks: readAverages(this.db, 'chunk_fts'), commits: readAverages(this.db, 'commit_fts') };
  }

  async state() {
    const n = (s: string) => (this.db.prepare(s).get() as { n: number }).n;
    return {
      hasIndex: n('SELECT COUNT(*) AS n FROM repos') + n('SELECT COUNT(*) AS n FROM parses') > 0,
      marker: this.db.prepare<[string], { value: string }>('SELECT value FROM embed_settings WHERE key = ?').get(MARKER)?.value ?? null,
      lexicalRows: n('SELECT COUNT(*) AS n FROM parse_chunks'),
      commitLexRows: n('SELECT COUNT(*) AS n FROM commits'),
    };
  }

  async clear() {
    const db = this.db;
    db.transaction(() => {
      for (const t of ['blame_ranges', 'blame_files', 'history_state', 'repo_commits', 'commit_files', 'jobs', 'files', 'symbols', 'parse_chunks', 'parses', 'chunk_vectors', 'chunks', 'embed_models', 'embed_settings', 'commits', 'repos']) {
        db.prepare(`DELETE FROM ${t}`).run();
      }
      // 'delete-all' also resets FTS5's statistics.
      db.prepare("INSERT INTO chunk_fts (chunk_fts) VALUES ('delete-all')").run();
      db.prepare("INSERT INTO commit_fts (commit_fts) VALUES ('delete-all')").run();
    })();
  }

  async setMarker(value: string | null) {
    if (value === null) this.db.prepare('DELETE FROM embed_settings WHERE key = ?').run(MARKER);
    else this.db.prepare('INSERT INTO embed_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(MARKER, value);
  }

  async close() {
    await this.store.close();
  }

  private tx<T>(fn: () => T): T {
    // Inside group() this is a savepoint of the group's transaction.
    return this.db.transaction(fn)();
  }

  async group<T>(fn: () => Promise<T>): Promise<T> {
    // Every statement here is synchronous, so nothing else runs inside the transaction.
    this.db.exec('BEGIN');
    try {
      const out = await fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async insertRepos(rows: RepoRow[]) {
    const stmt = this.db.prepare('INSERT INTO repos (root, name, added_at, indexed_commit, indexed_at, last_summary, last_error, registered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    return this.tx(() => rows.map((r) => Number(stmt.run(r.root, r.name, r.addedAt, r.indexedCommit, r.indexedAt, r.lastSummary, r.lastError, r.registered ? 1 : 0).lastInsertRowid)));
  }

  async insertParses(rows: ParseRow[]) {
    const ins = this.db.prepare('INSERT OR IGNORE INTO parses (parse_key, language, fallback, parse_error, created_at) VALUES (?, ?, ?, ?, ?)');
    const get = this.db.prepare<[string], { id: number }>('SELECT id FROM parses WHERE parse_key = ?');
    return this.tx(() =>
      rows.map((r) => {
        const res = ins.run(r.key, r.language, r.fallback ? 1 : 0, r.parseError, r.createdAt);
        return res.changes ? { id: Number(res.lastInsertRowid), fresh: true } : { id: get.get(r.key)!.id, fresh: false };
      }),
    );
  }

  async insertChunks(rows: ChunkRowN[]) {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO chunks (hash, language, text) VALUES (?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.hash, r.language, r.text)));
  }

  async insertOccurrences(rows: (OccRow & { parseId: number })[]) {
    const occ = this.db.prepare('INSERT INTO parse_chunks (parse_id, ord, chunk_hash, start_line, end_line, symbol, kind) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const fts = this.db.prepare('INSERT INTO chunk_fts (rowid, symbol, body) VALUES (?, ?, ?)');
    this.tx(() => {
      for (const r of rows) {
        const id = occ.run(r.parseId, r.ord, r.hash, r.start, r.end, r.symbol, r.kind).lastInsertRowid;
        fts.run(id, r.symbol ? indexText(r.symbol) : '', indexText(r.text));
      }
    });
  }

  async insertSymbols(rows: SymRow[]) {
    const stmt = this.db.prepare('INSERT INTO symbols (parse_id, name, kind, container, start_line, end_line, name_line, name_col, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.parseId, r.name, r.kind, r.container, r.start, r.end, r.nameLine, r.nameCol, r.signature)));
  }

  async insertFiles(rows: FileRowN[]) {
    const stmt = this.db.prepare(
      'INSERT INTO files (repo_id, path, blob, content_key, size, language, encoding, status, skip_reason, parse_id, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.tx(() => rows.forEach((r) => stmt.run(r.repoId, r.path, r.blob, r.contentKey, r.size, r.language, r.encoding, r.status, r.skipReason, r.parseId, r.indexedAt)));
  }

  async insertJobs(rows: JobRow[]) {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO jobs (repo_id, path, seq, reason, created_at) VALUES (?, ?, ?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.repoId, r.path, r.seq, r.reason, r.createdAt)));
  }

  async insertCommits(rows: CommitRowN[]) {
    const ins = this.db.prepare(
      `INSERT OR IGNORE INTO commits (sha, parents, author_name, author_email, author_time, committer_name, committer_email, commit_time, subject, body, files_changed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const get = this.db.prepare<[string], { id: number }>('SELECT id FROM commits WHERE sha = ?');
    const fts = this.db.prepare('INSERT INTO commit_fts (rowid, subject, body) VALUES (?, ?, ?)');
    return this.tx(() =>
      rows.map((r) => {
        const res = ins.run(r.sha, r.parents, r.authorName, r.authorEmail, r.authorTime, r.committerName, r.committerEmail, r.commitTime, r.subject, r.body, r.filesChanged);
        if (!res.changes) return { id: get.get(r.sha)!.id, fresh: false };
        const id = Number(res.lastInsertRowid);
        fts.run(id, indexText(r.subject), indexText(r.body));
        return { id, fresh: true };
      }),
    );
  }

  async insertCommitFiles(rows: CommitFileRow[]) {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO commit_files (commit_id, path, status, old_path) VALUES (?, ?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.commitId, r.path, r.status, r.oldPath)));
  }

  async insertRepoCommits(rows: RepoCommitRow[]) {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO repo_commits (repo_id, commit_id) VALUES (?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.repoId, r.commitId)));
  }

  async insertStates(rows: StateRow[]) {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO history_state (repo_id, log_tip, shallow, grafts, updated_at) VALUES (?, ?, ?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.repoId, r.logTip, r.shallow ? 1 : 0, r.grafts, r.updatedAt)));
  }

  async insertBlameFiles(rows: BlameFileRow[]) {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO blame_files (repo_id, path, blob, status, detail, lines, stale, blamed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.repoId, r.path, r.blob, r.status, r.detail, r.lines, r.stale ? 1 : 0, r.blamedAt)));
  }

  async insertBlameRanges(rows: BlameRangeRow[]) {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO blame_ranges (repo_id, path, start_line, end_line, commit_id) VALUES (?, ?, ?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.repoId, r.path, r.start, r.end, r.commitId)));
  }

  async insertModels(rows: ModelRow[]) {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO embed_models (id, provider, dim, created_at, trained_chunks, blob) VALUES (?, ?, ?, ?, ?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.id, r.provider, r.dim, r.createdAt, r.trainedChunks, r.blob)));
  }

  async insertVectors(rows: VectorRowN[]) {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO chunk_vectors (model_id, chunk_hash, vector) VALUES (?, ?, ?)');
    return this.tx(() => rows.reduce((n, r) => n + stmt.run(r.modelId, r.hash, r.vector).changes, 0));
  }

  async insertSettings(rows: SettingRow[]) {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO embed_settings (key, value) VALUES (?, ?)');
    this.tx(() => rows.forEach((r) => stmt.run(r.key, r.value)));
  }

  async setFtsStats(kind: 'chunks' | 'commits', target: FtsStats, wasEmpty: boolean) {
    if (!wasEmpty) return;
    // FTS5 counts rows and tokens ever inserted. To carry the source's over, insert the
    // difference as rows of a placeholder token and delete them at once (their postings are
    // tombstoned: no query ever sees them; the averages keep them, as they kept the source's).
    const fts = kind === 'chunks' ? 'chunk_fts' : 'commit_fts';
    const now = readAverages(this.db, fts);
    const rows = target.nrow - now.nrow;
    const tokens = target.ntok - now.ntok;
    if (rows <= 0) return;
    const ins = this.db.prepare(`INSERT INTO ${fts} (rowid, ${kind === 'chunks' ? 'symbol, body' : 'subject, body'}) VALUES (?, '', ?)`);
    const del = this.db.prepare(`DELETE FROM ${fts} WHERE rowid = ?`);
    this.tx(() => {
      for (let i = 0; i < rows; i++) {
        const n = i === 0 ? Math.max(0, tokens) : 0;
        ins.run(-1 - i, n ? 'contextdpad '.repeat(n) : '');
      }
      for (let i = 0; i < rows; i++) del.run(-1 - i);
    });
  }
}

// ---- PostgreSQL ----

class PgSide implements Side {
  readonly label: string;
  private readonly db: PgDb;
  /** The pool, or the group's transaction while one runs. */
  private q: Queryable;
  private constructor(
    private readonly store: PostgresStore,
    private readonly machine: string,
  ) {
    this.label = store.location;
    this.db = store.db;
    this.q = store.db;
  }

  async group<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.tx(async (c) => {
      this.q = c;
      try {
        return await fn();
      } finally {
        this.q = this.db;
      }
    });
  }

  static async open(url: string, machine: string): Promise<PgSide> {
    return new PgSide(await PostgresStore.open({ url, machine }), machine);
  }

  private mine(col = 'repo_id') {
    return sql.fragment`${sql.identifier([col])} IN (SELECT id FROM repos WHERE machine = ${this.machine})`;
  }

  async *read<T extends Table>(table: T, range?: { col: string; lo: number; hi: number }): AsyncGenerator<Rows[T][]> {
    type Spec = { from: ReturnType<typeof sql.fragment>; key: string[]; map: (r: Record<string, unknown>) => unknown };
    const m = this.machine;
    const specs: Record<Table, Spec> = {
      repos: { from: sql.fragment`SELECT * FROM repos WHERE machine = ${m}`, key: ['id'], map: (r) => ({ id: r.id, root: r.root, name: r.name, addedAt: r.added_at, indexedCommit: r.indexed_commit, indexedAt: r.indexed_at, lastSummary: r.last_summary, lastError: r.last_error, registered: r.registered }) },
      parses: { from: sql.fragment`SELECT * FROM parses WHERE TRUE`, key: ['id'], map: (r) => ({ id: r.id, key: r.parse_key, language: r.language, fallback: r.fallback, parseError: r.parse_error, createdAt: r.created_at }) },
      chunks: { from: sql.fragment`SELECT hash, language, text FROM chunks WHERE TRUE`, key: ['hash'], map: (r) => r },
      parse_chunks: {
        from: sql.fragment`SELECT pc.id, pc.parse_id, pc.ord, pc.chunk_hash, pc.start_line, pc.end_line, pc.symbol, pc.kind, c.text FROM parse_chunks pc JOIN chunks c ON c.hash = pc.chunk_hash WHERE TRUE`,
        key: ['pc.id'],
        map: (r) => ({ id: r.id, parseId: r.parse_id, ord: r.ord, hash: r.chunk_hash, start: r.start_line, end: r.end_line, symbol: r.symbol, kind: r.kind, text: r.text }),
      },
      symbols: { from: sql.fragment`SELECT * FROM symbols WHERE TRUE`, key: ['id'], map: (r) => ({ id: r.id, parseId: r.parse_id, name: r.name, kind: r.kind, container: r.container, start: r.start_line, end: r.end_line, nameLine: r.name_line, nameCol: r.name_col, signature: r.signature }) },
      files: { from: sql.fragment`SELECT * FROM files WHERE ${this.mine()}`, key: ['repo_id', 'path'], map: (r) => ({ repoId: r.repo_id, path: r.path, blob: r.blob, contentKey: r.content_key, size: r.size, language: r.language, encoding: r.encoding, status: r.status, skipReason: r.skip_reason, parseId: r.parse_id, indexedAt: r.indexed_at }) },
      jobs: { from: sql.fragment`SELECT * FROM jobs WHERE ${this.mine()}`, key: ['repo_id', 'path'], map: (r) => ({ repoId: r.repo_id, path: r.path, seq: r.seq, reason: r.reason, createdAt: r.created_at }) },
      commits: { from: sql.fragment`SELECT * FROM commits WHERE TRUE`, key: ['id'], map: (r) => ({ id: r.id, sha: r.sha, parents: r.parents, authorName: r.author_name, authorEmail: r.author_email, authorTime: r.author_time, committerName: r.committer_name, committerEmail: r.committer_email, commitTime: r.commit_time, subject: r.subject, body: r.body, filesChanged: r.files_changed }) },
      commit_files: { from: sql.fragment`SELECT * FROM commit_files WHERE TRUE`, key: ['commit_id', 'path'], map: (r) => ({ commitId: r.commit_id, path: r.path, status: r.status, oldPath: r.old_path }) },
      repo_commits: { from: sql.fragment`SELECT * FROM repo_commits WHERE ${this.mine()}`, key: ['repo_id', 'commit_id'], map: (r) => ({ repoId: r.repo_id, commitId: r.commit_id }) },
      history_state: { from: sql.fragment`SELECT * FROM history_state WHERE ${this.mine()}`, key: ['repo_id'], map: (r) => ({ repoId: r.repo_id, logTip: r.log_tip, shallow: r.shallow, grafts: r.grafts, updatedAt: r.updated_at }) },
      blame_files: { from: sql.fragment`SELECT * FROM blame_files WHERE ${this.mine()}`, key: ['repo_id', 'path'], map: (r) => ({ repoId: r.repo_id, path: r.path, blob: r.blob, status: r.status, detail: r.detail, lines: r.lines, stale: r.stale, blamedAt: r.blamed_at }) },
      blame_ranges: { from: sql.fragment`SELECT * FROM blame_ranges WHERE ${this.mine()}`, key: ['repo_id', 'path', 'start_line'], map: (r) => ({ repoId: r.repo_id, path: r.path, start: r.start_line, end: r.end_line, commitId: r.commit_id }) },
      embed_models: { from: sql.fragment`SELECT * FROM embed_models WHERE TRUE`, key: ['id'], map: (r) => ({ id: r.id, provider: r.provider, dim: r.dim, createdAt: r.created_at, trainedChunks: r.trained_chunks, blob: r.blob }) },
      chunk_vectors: { from: sql.fragment`SELECT * FROM chunk_vectors WHERE TRUE`, key: ['id'], map: (r) => ({ id: r.id, modelId: r.model_id, hash: r.chunk_hash, vector: r.vector }) },
      embed_settings: { from: sql.fragment`SELECT * FROM embed_settings WHERE key NOT LIKE 'migration:%'`, key: ['key'], map: (r) => r },
    };
    const spec = specs[table];
    const keyCols = spec.key.map((k) => sql.identifier(k.split('.')));
    const keyNames = spec.key.map((k) => k.replace(/^.*\./, ''));
    const within = range ? sql.fragment` AND ${sql.identifier([range.col])} BETWEEN ${range.lo} AND ${range.hi}` : sql.fragment``;
    let last: unknown[] | null = null;
    for (;;) {
      const after = last
        ? sql.fragment` AND (${sql.join(keyCols, sql.fragment`, `)}) > (${sql.join(
            last.map((v) => sql.fragment`${v as string | number}`),
            sql.fragment`, `,
          )})`
        : sql.fragment``;
      const rows = (await this.db.rows(sql.unsafe`${spec.from}${within}${after} ORDER BY ${sql.join(keyCols, sql.fragment`, `)} LIMIT ${BATCH}`)) as Record<string, unknown>[];
      if (!rows.length) return;
      yield rows.map(spec.map) as Rows[T][];
      const end = rows[rows.length - 1];
      last = keyNames.map((c) => end[c]);
      if (rows.length < BATCH) return;
    }
  }

  async ftsStats() {
    const stats = z.object({ nrow: z.number(), ntok: z.number() });
    return {
      chunks: await this.db.one(sql.type(stats)`SELECT nrow, ntok FROM lexical_stats`),
      commits: await this.db.one(sql.type(stats)`SELECT nrow, ntok FROM commit_lex_stats`),
    };
  }

  async state() {
    const r = await this.db.one(
      sql.type(z.object({ repos: z.number(), marker: z.string().nullable(), lex: z.number(), clex: z.number() }))`SELECT
        (SELECT count(*) FROM repos WHERE machine = ${this.machine}) AS repos,
        (SELECT value FROM embed_settings WHERE key = ${`${MARKER}:${this.machine}`}) AS marker,
        (SELECT count(*) FROM lexical) AS lex, (SELECT count(*) FROM commit_lex) AS clex`,
    );
    return { hasIndex: r.repos > 0, marker: r.marker, lexicalRows: r.lex, commitLexRows: r.clex };
  }

  async clear() {
    // Only this machine's repositories (their views, jobs, blame, history links go with them);
    // shared content stays for the other daemons, and for this copy to reuse.
    await this.db.exec(sql.unsafe`DELETE FROM repos WHERE machine = ${this.machine}`);
  }

  async setMarker(value: string | null) {
    const key = `${MARKER}:${this.machine}`;
    if (value === null) await this.db.exec(sql.unsafe`DELETE FROM embed_settings WHERE key = ${key}`);
    else await this.db.exec(sql.unsafe`INSERT INTO embed_settings (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  }

  async close() {
    await this.store.close();
  }

  async insertRepos(rows: RepoRow[]) {
    const out = await this.q.rows(
      sql.type(z.object({ id: z.number() }))`INSERT INTO repos (machine, root, name, added_at, indexed_commit, indexed_at, last_summary, last_error, registered)
        SELECT ${this.machine}, root, name, added_at, indexed_commit, indexed_at, last_summary, last_error, registered
        FROM ${sql.unnest(
          rows.map((r) => [r.root, r.name, r.addedAt, r.indexedCommit, r.indexedAt, r.lastSummary, r.lastError, r.registered]) as never[][],
          ['text', 'text', 'int8', 'text', 'int8', 'text', 'text', 'bool'],
        )} WITH ORDINALITY AS t(root, name, added_at, indexed_commit, indexed_at, last_summary, last_error, registered, ord)
        ORDER BY ord RETURNING id`,
    );
    return out.map((r) => r.id);
  }

  async insertParses(rows: ParseRow[]) {
    const inserted = await this.q.rows(
      sql.type(z.object({ id: z.number(), parse_key: z.string() }))`INSERT INTO parses (parse_key, language, fallback, parse_error, created_at)
        SELECT k, l, f, e, c FROM ${sql.unnest(
          rows.map((r) => [r.key, r.language, r.fallback, r.parseError, r.createdAt]) as never[][],
          ['text', 'text', 'bool', 'text', 'int8'],
        )} WITH ORDINALITY AS t(k, l, f, e, c, ord) ORDER BY ord
        ON CONFLICT (parse_key) DO NOTHING RETURNING id, parse_key`,
    );
    const fresh = new Map(inserted.map((r) => [r.parse_key, r.id]));
    const missing = rows.filter((r) => !fresh.has(r.key)).map((r) => r.key);
    const existing = new Map<string, number>();
    if (missing.length) {
      for (const r of await this.q.rows(sql.type(z.object({ id: z.number(), parse_key: z.string() }))`SELECT id, parse_key FROM parses WHERE parse_key = ANY(${sql.array(missing, 'text')})`)) {
        existing.set(r.parse_key, r.id);
      }
    }
    return rows.map((r) => (fresh.has(r.key) ? { id: fresh.get(r.key)!, fresh: true } : { id: existing.get(r.key)!, fresh: false }));
  }

  async insertChunks(rows: ChunkRowN[]) {
    await this.q.exec(sql.unsafe`INSERT INTO chunks (hash, language, text)
      SELECT * FROM ${sql.unnest(rows.map((r) => [r.hash, r.language, r.text]) as never[][], ['text', 'text', 'text'])} ON CONFLICT (hash) DO NOTHING`);
  }

  async insertOccurrences(rows: (OccRow & { parseId: number })[]) {
    const docs = lexicalDocs(
      rows.map((r) => [r.symbol ? indexText(r.symbol) : '', indexText(r.text)]),
      CHUNK_LEXICON.weights,
    );
    const c = this.q;
    const ids = await c.rows(
      sql.type(z.object({ id: z.number() }))`INSERT INTO parse_chunks (parse_id, ord, chunk_hash, start_line, end_line, symbol, kind)
        SELECT p, o, h, s, e, y, k FROM ${sql.unnest(
          rows.map((r) => [r.parseId, r.ord, r.hash, r.start, r.end, r.symbol, r.kind]) as never[][],
          ['int8', 'int4', 'text', 'int4', 'int4', 'text', 'text'],
        )} WITH ORDINALITY AS t(p, o, h, s, e, y, k, n) ORDER BY n RETURNING id`,
    );
    await c.exec(sql.unsafe`INSERT INTO lexical (id, tsv, tf, ntok, c0, c1)
      SELECT id, tsv::tsvector, tf::jsonb, ntok, c0, c1 FROM ${sql.unnest(
        docs.map((d, i) => [ids[i].id, d.tsv, d.tf, d.ntok, d.c0, d.c1]) as never[][],
        ['int8', 'text', 'text', 'int4', 'text', 'text'],
      )} AS t(id, tsv, tf, ntok, c0, c1)`);
    await c.exec(sql.unsafe`UPDATE lexical_stats SET nrow = nrow + ${docs.length}, ntok = ntok + ${docs.reduce((n, d) => n + d.ntok, 0)}, version = version + 1`);
  }

  async insertSymbols(rows: SymRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO symbols (parse_id, name, kind, container, start_line, end_line, name_line, name_col, signature)
      SELECT * FROM ${sql.unnest(
        rows.map((r) => [r.parseId, r.name, r.kind, r.container, r.start, r.end, r.nameLine, r.nameCol, r.signature]) as never[][],
        ['int8', 'text', 'text', 'text', 'int4', 'int4', 'int4', 'int4', 'text'],
      )}`);
  }

  async insertFiles(rows: FileRowN[]) {
    await this.q.exec(sql.unsafe`INSERT INTO files (repo_id, path, blob, content_key, size, language, encoding, status, skip_reason, parse_id, indexed_at)
      SELECT * FROM ${sql.unnest(
        rows.map((r) => [r.repoId, r.path, r.blob, r.contentKey, r.size, r.language, r.encoding, r.status, r.skipReason, r.parseId, r.indexedAt]) as never[][],
        ['int8', 'text', 'text', 'text', 'int8', 'text', 'text', 'text', 'text', 'int8', 'int8'],
      )}`);
  }

  async insertJobs(rows: JobRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO jobs (repo_id, path, seq, reason, created_at)
      SELECT * FROM ${sql.unnest(rows.map((r) => [r.repoId, r.path, r.seq, r.reason, r.createdAt]) as never[][], ['int8', 'text', 'int8', 'text', 'int8'])}
      ON CONFLICT (repo_id, path) DO UPDATE SET seq = excluded.seq, reason = excluded.reason`);
    await this.q.exec(sql.unsafe`SELECT setval('job_seq', GREATEST((SELECT max(seq) FROM jobs), (SELECT last_value FROM job_seq)))`);
  }

  async insertCommits(rows: CommitRowN[]) {
    const c = this.q;
    const inserted = await c.rows(
      sql.type(z.object({ id: z.number(), sha: z.string() }))`INSERT INTO commits
        (sha, parents, author_name, author_email, author_lc, email_lc, author_time, committer_name, committer_email, commit_time, subject, body, files_changed)
        SELECT a, b, c, d, e, f, g, h, i, j, k, l, m FROM ${sql.unnest(
          rows.map((r) => [r.sha, r.parents, r.authorName, r.authorEmail, r.authorName.toLowerCase(), r.authorEmail.toLowerCase(), r.authorTime, r.committerName, r.committerEmail, r.commitTime, r.subject, r.body, r.filesChanged]) as never[][],
          ['text', 'text', 'text', 'text', 'text', 'text', 'int8', 'text', 'text', 'int8', 'text', 'text', 'int4'],
        )} WITH ORDINALITY AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, ord) ORDER BY ord
        ON CONFLICT (sha) DO NOTHING RETURNING id, sha`,
    );
    const fresh = new Map(inserted.map((r) => [r.sha, r.id]));
    const freshRows = rows.filter((r) => fresh.has(r.sha));
    if (freshRows.length) {
      const docs = lexicalDocs(
        freshRows.map((r) => [indexText(r.subject), indexText(r.body)]),
        COMMIT_LEXICON.weights,
      );
      await c.exec(sql.unsafe`INSERT INTO commit_lex (id, tsv, tf, ntok, c0, c1)
        SELECT id, tsv::tsvector, tf::jsonb, ntok, c0, c1 FROM ${sql.unnest(
          docs.map((d, i) => [fresh.get(freshRows[i].sha)!, d.tsv, d.tf, d.ntok, d.c0, d.c1]) as never[][],
          ['int8', 'text', 'text', 'int4', 'text', 'text'],
        )} AS t(id, tsv, tf, ntok, c0, c1)`);
      await c.exec(sql.unsafe`UPDATE commit_lex_stats SET nrow = nrow + ${docs.length}, ntok = ntok + ${docs.reduce((n, d) => n + d.ntok, 0)}, version = version + 1`);
    }
    const missing = rows.filter((r) => !fresh.has(r.sha)).map((r) => r.sha);
    const existing = new Map<string, number>();
    if (missing.length) {
      for (const r of await c.rows(sql.type(z.object({ id: z.number(), sha: z.string() }))`SELECT id, sha FROM commits WHERE sha = ANY(${sql.array(missing, 'text')})`)) existing.set(r.sha, r.id);
    }
    return rows.map((r) => (fresh.has(r.sha) ? { id: fresh.get(r.sha)!, fresh: true } : { id: existing.get(r.sha)!, fresh: false }));
  }

  async insertCommitFiles(rows: CommitFileRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO commit_files (commit_id, path, status, old_path)
      SELECT * FROM ${sql.unnest(rows.map((r) => [r.commitId, r.path, r.status, r.oldPath]) as never[][], ['int8', 'text', 'text', 'text'])} ON CONFLICT DO NOTHING`);
  }

  async insertRepoCommits(rows: RepoCommitRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO repo_commits (repo_id, commit_id)
      SELECT * FROM ${sql.unnest(rows.map((r) => [r.repoId, r.commitId]) as never[][], ['int8', 'int8'])} ON CONFLICT DO NOTHING`);
  }

  async insertStates(rows: StateRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO history_state (repo_id, log_tip, shallow, grafts, updated_at)
      SELECT * FROM ${sql.unnest(rows.map((r) => [r.repoId, r.logTip, r.shallow, r.grafts, r.updatedAt]) as never[][], ['int8', 'text', 'bool', 'text', 'int8'])}
      ON CONFLICT (repo_id) DO NOTHING`);
  }

  async insertBlameFiles(rows: BlameFileRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO blame_files (repo_id, path, blob, status, detail, lines, stale, blamed_at)
      SELECT * FROM ${sql.unnest(
        rows.map((r) => [r.repoId, r.path, r.blob, r.status, r.detail, r.lines, r.stale, r.blamedAt]) as never[][],
        ['int8', 'text', 'text', 'text', 'text', 'int4', 'bool', 'int8'],
      )} ON CONFLICT (repo_id, path) DO NOTHING`);
  }

  async insertBlameRanges(rows: BlameRangeRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO blame_ranges (repo_id, path, start_line, end_line, commit_id)
      SELECT * FROM ${sql.unnest(rows.map((r) => [r.repoId, r.path, r.start, r.end, r.commitId]) as never[][], ['int8', 'text', 'int4', 'int4', 'int8'])}
      ON CONFLICT DO NOTHING`);
  }

  async insertModels(rows: ModelRow[]) {
    for (const r of rows) {
      await this.q.exec(sql.unsafe`INSERT INTO embed_models (id, provider, dim, created_at, trained_chunks, blob)
        VALUES (${r.id}, ${r.provider}, ${r.dim}, ${r.createdAt}, ${r.trainedChunks}, ${r.blob === null ? null : sql.binary(r.blob)}::bytea)
        ON CONFLICT (id) DO NOTHING`);
    }
  }

  async insertVectors(rows: VectorRowN[]) {
    return this.q.exec(sql.unsafe`INSERT INTO chunk_vectors (model_id, chunk_hash, vector)
      SELECT m, h, v FROM ${sql.unnest(rows.map((r) => [r.modelId, r.hash, r.vector]) as never[][], ['text', 'text', 'bytea'])}
        WITH ORDINALITY AS t(m, h, v, ord) ORDER BY ord
      ON CONFLICT (model_id, chunk_hash) DO NOTHING`);
  }

  async insertSettings(rows: SettingRow[]) {
    await this.q.exec(sql.unsafe`INSERT INTO embed_settings (key, value)
      SELECT * FROM ${sql.unnest(rows.map((r) => [r.key, r.value]) as never[][], ['text', 'text'])} ON CONFLICT (key) DO NOTHING`);
  }

  async setFtsStats(kind: 'chunks' | 'commits', source: FtsStats, wasEmpty: boolean) {
    if (!wasEmpty) return;
    const table = sql.identifier([kind === 'chunks' ? 'lexical_stats' : 'commit_lex_stats']);
    await this.db.exec(sql.unsafe`UPDATE ${table} SET nrow = GREATEST(nrow, ${source.nrow}), ntok = GREATEST(ntok, ${source.ntok}), version = version + 1`);
  }
}

async function collect<T>(gen: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const rows of gen) out.push(...rows);
  return out;
}

async function openSide(ref: StoreRef, machine: string): Promise<Side> {
  return ref.kind === 'sqlite' ? SqliteSide.open(ref.path) : PgSide.open(ref.url, machine);
}

function describe(ref: StoreRef): string {
  return ref.kind === 'sqlite' ? `sqlite:${ref.path}` : ref.url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

export async function migrateStore(opts: MigrateOptions): Promise<MigrateSummary> {
  const t0 = performance.now();
  if (opts.from.kind === opts.to.kind && describe(opts.from) === describe(opts.to)) {
    throw new ContextdError('bad-argument', 'the source and the target are the same store', { exitCode: 2 });
  }
  const source = await openSide(opts.from, opts.machine);
  let target: Side | null = null;
  try {
    target = await openSide(opts.to, opts.machine);
    const state = await target.state();
    let replaced = false;
    if (state.hasIndex || state.marker) {
      if (!state.marker && !opts.force) {
        throw new ContextdError('target-not-empty', `the target ${target.label} already holds ${opts.to.kind === 'postgres' ? "this machine's" : 'an'} index`, {
          hint: `pass --force to replace it${opts.to.kind === 'postgres' ? " (only this machine's repositories; other machines' data is kept)" : ''}`,
        });
      }
      await target.clear();
      replaced = true;
    }
    // Whether the target's lexical indexes were empty before the (first, if resumed) attempt.
    let empty: { chunks: boolean; commits: boolean };
    try {
      empty = (JSON.parse(state.marker ?? '') as { empty: { chunks: boolean; commits: boolean } }).empty;
      if (typeof empty?.chunks !== 'boolean') throw new Error('old marker');
    } catch {
      const after = await target.state();
      empty = { chunks: after.lexicalRows === 0, commits: after.commitLexRows === 0 };
    }
    await target.setMarker(JSON.stringify({ from: describe(opts.from), startedAt: Date.now(), empty }));
    const summary = await copy(source, target, opts, empty);
    await target.setMarker(null);
    if (opts.dataDir) rmSync(join(opts.dataDir, 'vectors'), { recursive: true, force: true });
    return { from: describe(opts.from), to: describe(opts.to), ...summary, replaced, durationMs: Math.round(performance.now() - t0) };
  } finally {
    await target?.close();
    await source.close();
  }
}

async function copy(
  source: Side,
  target: Side,
  opts: MigrateOptions,
  empty: { chunks: boolean; commits: boolean },
): Promise<{ tables: Record<string, number>; reused: MigrateSummary['reused'] }> {
  const tables: Record<string, number> = Object.fromEntries(TABLES.map((t) => [t, 0]));
  const reused = { parses: 0, commits: 0, vectors: 0 };
  let batches = 0;
  const step = (table: Table, n: number) => {
    tables[table] += n;
    opts.onProgress?.(table, tables[table]);
    if (opts.stopAfterBatches !== undefined && ++batches >= opts.stopAfterBatches) {
      throw new ContextdError('migration-interrupted', `stopped after ${batches} batches (as asked)`);
    }
  };
  const repoIds = new Map<number, number>();
  const parseIds = new Map<number, number>();
  const commitIds = new Map<number, number>();
  const mapRepo = (id: number) => repoIds.get(id);

  for await (const rows of source.read('repos')) {
    const ids = await target.insertRepos(rows);
    rows.forEach((r, i) => repoIds.set(r.id, ids[i]));
    step('repos', rows.length);
  }
  for await (const rows of source.read('chunks')) {
    await target.insertChunks(rows);
    step('chunks', rows.length);
  }
  // A parse lands with its occurrences (and lexical rows) and symbols, in one transaction:
  // an interrupted copy never leaves a parse without them (a re-run reuses complete parses).
  for await (const rows of source.read('parses')) {
    const range = { col: 'parse_id', lo: rows[0].id, hi: rows[rows.length - 1].id };
    const occs = await collect(source.read('parse_chunks', range));
    const syms = await collect(source.read('symbols', range));
    const fresh = new Set<number>();
    await target.group(async () => {
      const out = await target.insertParses(rows);
      rows.forEach((r, i) => {
        parseIds.set(r.id, out[i].id);
        if (out[i].fresh) fresh.add(r.id);
      });
      const myOccs = occs.filter((r) => fresh.has(r.parseId)).map((r) => ({ ...r, parseId: parseIds.get(r.parseId)! }));
      if (myOccs.length) await target.insertOccurrences(myOccs);
      const mySyms = syms.filter((r) => fresh.has(r.parseId)).map((r) => ({ ...r, parseId: parseIds.get(r.parseId)! }));
      if (mySyms.length) await target.insertSymbols(mySyms);
      tables.parse_chunks += myOccs.length;
      tables.symbols += mySyms.length;
    });
    reused.parses += rows.length - fresh.size;
    step('parses', rows.length);
  }
  for await (const rows of source.read('files')) {
    const mine = rows
      .filter((r) => repoIds.has(r.repoId))
      .map((r) => ({ ...r, repoId: mapRepo(r.repoId)!, parseId: r.parseId === null ? null : (parseIds.get(r.parseId) ?? null) }));
    if (mine.length) await target.insertFiles(mine);
    step('files', mine.length);
  }
  for await (const rows of source.read('jobs')) {
    const mine = rows.filter((r) => repoIds.has(r.repoId)).map((r) => ({ ...r, repoId: mapRepo(r.repoId)! }));
    if (mine.length) await target.insertJobs(mine);
    step('jobs', mine.length);
  }
  // A commit lands with its message row and its files.
  for await (const rows of source.read('commits')) {
    const files = await collect(source.read('commit_files', { col: 'commit_id', lo: rows[0].id, hi: rows[rows.length - 1].id }));
    const fresh = new Set<number>();
    await target.group(async () => {
      const out = await target.insertCommits(rows);
      rows.forEach((r, i) => {
        commitIds.set(r.id, out[i].id);
        if (out[i].fresh) fresh.add(r.id);
      });
      const mine = files.filter((r) => fresh.has(r.commitId)).map((r) => ({ ...r, commitId: commitIds.get(r.commitId)! }));
      if (mine.length) await target.insertCommitFiles(mine);
      tables.commit_files += mine.length;
    });
    reused.commits += rows.length - fresh.size;
    step('commits', rows.length);
  }
  for await (const rows of source.read('repo_commits')) {
    const mine = rows.filter((r) => repoIds.has(r.repoId) && commitIds.has(r.commitId)).map((r) => ({ repoId: mapRepo(r.repoId)!, commitId: commitIds.get(r.commitId)! }));
    if (mine.length) await target.insertRepoCommits(mine);
    step('repo_commits', mine.length);
  }
  for await (const rows of source.read('history_state')) {
    const mine = rows.filter((r) => repoIds.has(r.repoId)).map((r) => ({ ...r, repoId: mapRepo(r.repoId)! }));
    if (mine.length) await target.insertStates(mine);
    step('history_state', mine.length);
  }
  for await (const rows of source.read('blame_files')) {
    const mine = rows.filter((r) => repoIds.has(r.repoId)).map((r) => ({ ...r, repoId: mapRepo(r.repoId)! }));
    if (mine.length) await target.insertBlameFiles(mine);
    step('blame_files', mine.length);
  }
  for await (const rows of source.read('blame_ranges')) {
    const mine = rows
      .filter((r) => repoIds.has(r.repoId) && (r.commitId === null || commitIds.has(r.commitId)))
      .map((r) => ({ ...r, repoId: mapRepo(r.repoId)!, commitId: r.commitId === null ? null : commitIds.get(r.commitId)! }));
    if (mine.length) await target.insertBlameRanges(mine);
    step('blame_ranges', mine.length);
  }
  for await (const rows of source.read('embed_models')) {
    await target.insertModels(rows);
    step('embed_models', rows.length);
  }
  for await (const rows of source.read('chunk_vectors')) {
    const added = await target.insertVectors(rows);
    reused.vectors += rows.length - added;
    step('chunk_vectors', added);
  }
  for await (const rows of source.read('embed_settings')) {
    await target.insertSettings(rows);
    step('embed_settings', rows.length);
  }
  const stats = await source.ftsStats();
  await target.setFtsStats('chunks', stats.chunks, empty.chunks);
  await target.setFtsStats('commits', stats.commits, empty.commits);
  return { tables, reused };
}
