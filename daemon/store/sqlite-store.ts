/**
 * The embedded metadata store on better-sqlite3 (WAL). Each file's write is one
 * transaction, so a crash never leaves a half-indexed file.
 */
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ContextdError } from '../errors.js';
import { indexText } from '../search/tokenize.js';
import { SQLITE_MIGRATIONS } from './sqlite-schema.js';
import { historyFilterSql, SqlHistory, type CommitLexicon, type ViewSql } from './history-store.js';
import { SqlJobQueue } from './job-queue.js';
import { NO_REPO_LOCK } from './repo-lock.js';
import { SqlRepos, viewSql } from './repos.js';
import { createOwnerOnly, SqliteFileGuard, tightenModes } from './sqlite-file-guard.js';
import { docsizeTokens, phraseMatch, sumRepoStats, type RepoLexStats } from './repo-bm25.js';
import { SqlLocateStore } from './locate-store.js';
import type { LocateStore } from './locate-types.js';
import { batchesFor, delegate, sqlitePort, valuesList, type SqlPort } from './sql-port.js';
import { SqlGraph } from './graph-store.js';
import { searchLogChanges } from './search-log.js';
import { SqlChunkWriter, type ChunkLexicon } from './chunk-writes.js';
import { CHUNK_COLS, toChunkRow, type Row } from './tables.js';
import { rescoredLexicalSearch, SqlChunkReads } from './chunk-reads.js';
import type { ChunkStore, GraphStore, HistoryStore, JobQueue, LexicalQuery, LexicalRow, MetadataStore, RepoStore, StoreHealth } from './types.js';

/** FTS5 syntax errors are the query's fault, not the store's. */
function ftsError(err: unknown, what: string): unknown {
  if ((err as { code?: string }).code === 'SQLITE_ERROR' && /fts5|syntax/i.test((err as Error).message)) {
    return new ContextdError('bad-query', `cannot search ${what}: ${(err as Error).message}`);
  }
  return err;
}

/** Chunk occurrences in FTS5 (chunk_fts, rowid = parse_chunks.id). */
const CHUNK_FTS: ChunkLexicon = {
  async add(c, rows) {
    for (const part of batchesFor(rows, 3)) {
      const params: unknown[] = [];
      await c.run(
        `INSERT INTO chunk_fts (rowid, symbol, body) VALUES ${valuesList(
          part.map((r) => [r.id, ...r.text]),
          params,
        )}`,
        params,
      );
    }
  },
};

/** Commit messages in FTS5 (commit_fts, rowid = commits.id); authors matched by contextd_icontains. */
const COMMIT_FTS: CommitLexicon = {
  async add(c, rows) {
    for (const r of rows) await c.run('INSERT INTO commit_fts (rowid, subject, body) VALUES (?, ?, ?)', [r.id, indexText(r.subject), indexText(r.body)]);
  },
  async remove(c, ids) {
    for (const id of ids) await c.run('DELETE FROM commit_fts WHERE rowid = ?', [id]);
  },
  async matches(match, params) {
    params.push(match);
    return '(SELECT rowid AS id, -bm25(commit_fts, 2.0, 1.0) AS score FROM commit_fts WHERE commit_fts MATCH ?)';
  },
  author(alias, needle, params) {
    params.push(needle.toLowerCase(), needle.toLowerCase());
    return `(contextd_icontains(${alias}.author_name, ?) OR contextd_icontains(${alias}.author_email, ?))`;
  },
  extra: () => ({}),
  fixedJoin: 'CROSS JOIN',
  queryError: (err) => ftsError(err, 'commit messages for that query'),
};

export interface SqliteStoreOptions {
  readonly?: boolean;
}

/** The concerns' shared implementations (repos.ts, job-queue.ts, history-store.ts, chunk-reads.ts), bound onto the store. */
export interface SqliteStore
  extends RepoStore, JobQueue, HistoryStore, GraphStore, LocateStore, Pick<ChunkStore, 'lookupSymbols' | 'fileChunks' | 'writeFile' | 'writeFiles'> {}

export class SqliteStore implements MetadataStore {
  readonly backend = 'sqlite';
  readonly location: string;
  /** One writer per database file already (the daemon lock): nothing to take. */
  readonly repoLock = NO_REPO_LOCK;
  private readonly db: Db;
  private readonly stmts: ReturnType<SqliteStore['prepare']>;
  private readonly port: SqlPort;
  private readonly view: ViewSql;
  private readonly history: SqlHistory;
  private namesCache: string[] | null = null;
  /** `PRAGMA data_version` when namesCache was filled: it changes when another connection commits. */
  private namesVersion = -1;
  private readonly regexCache = new Map<string, RegExp>();
  private readonly guard: SqliteFileGuard;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.location = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      if (path !== ':memory:' && !opts.readonly) createOwnerOnly(path);
      this.db = new Database(path, { readonly: opts.readonly ?? false });
      reusePreparedStatements(this.db);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      // Read-only connections are the daemon's search workers: a smaller private page cache
      // each (the OS page cache holds the file for all of them).
      this.db.pragma(opts.readonly ? 'cache_size = -16384' : 'cache_size = -65536');
      this.migrate();
      if (path !== ':memory:' && !opts.readonly) tightenModes(path);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new ContextdError('corrupt-store', `the index database at ${path} is corrupt or not a contextd database`, {
          hint: `move it aside (mv "${path}" "${path}.bad") and index again`,
          cause: err,
        });
      }
      if (err instanceof ContextdError) throw err;
      throw new ContextdError('store-open', `cannot open the index database at ${path}: ${(err as Error).message}`, { cause: err });
    }
    // Path filters arrive as regular expressions so that SQL and PostgreSQL share them.
    this.db.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) => {
      if (typeof pattern !== 'string' || typeof value !== 'string') return 0;
      let re = this.regexCache.get(pattern);
      if (!re) {
        re = new RegExp(pattern);
        if (this.regexCache.size >= 1000) this.regexCache.clear();
        this.regexCache.set(pattern, re);
      }
      return re.test(value) ? 1 : 0;
    });
    // Case-insensitive substring for any script (SQLite's LIKE and lower() only fold ASCII); the needle arrives lowercased.
    this.db.function('contextd_icontains', { deterministic: true }, (hay: unknown, needle: unknown) =>
      typeof hay === 'string' && typeof needle === 'string' && hay.toLowerCase().includes(needle) ? 1 : 0,
    );
    this.guard = new SqliteFileGuard(this.db, path);
    this.stmts = this.prepare();
    this.port = sqlitePort(this.db);
    this.view = viewSql(this.port, null);
    this.history = new SqlHistory(this.port, this.view, COMMIT_FTS);
    let seq = 0;
    const nextSeqs = async (n: number) => {
      if (seq === 0) seq = ((await this.port.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM jobs'))?.s ?? 0) + 1;
      return Array.from({ length: n }, () => seq++);
    };
    delegate(
      this,
      new SqlRepos(this.port, null),
      new SqlJobQueue(this.port, null, nextSeqs),
      this.history,
      new SqlChunkReads(this.port, this.view, COMMIT_FTS, (e) => e),
      new SqlLocateStore(this.port),
      new SqlChunkWriter(this.port, CHUNK_FTS, () => (this.namesCache = null)),
      new SqlGraph(this.port),
    );
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SQLITE_MIGRATIONS.length) {
      throw new ContextdError(
        'store-too-new',
        `the index database at ${this.location} has schema version ${version}, newer than this contextd understands (${SQLITE_MIGRATIONS.length})`,
        { hint: 'upgrade contextd, or move the data directory aside' },
      );
    }
    if (version === SQLITE_MIGRATIONS.length) return;
    // Foreign keys are off while migrating (SQLite's recipe for rebuilding a table: a
    // DROP would otherwise cascade), and checked before they are turned back on.
    this.db.pragma('foreign_keys = OFF');
    try {
      for (let v = version; v < SQLITE_MIGRATIONS.length; v++) {
        this.db.transaction(() => {
          this.db.exec(SQLITE_MIGRATIONS[v]);
          const broken = this.db.pragma('foreign_key_check') as unknown[];
          if (broken.length) throw new Error(`migration ${v + 1} left ${broken.length} broken foreign key(s)`);
          this.db.pragma(`user_version = ${v + 1}`);
        })();
      }
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
  }

  private prepare() {
    const db = this.db;
    return {
      parseByKey: db.prepare<[string], { id: number }>('SELECT id FROM parses WHERE parse_key = ?'),
      symbolNames: db.prepare<[], { name: string }>('SELECT DISTINCT name FROM symbols'),
    };
  }

  async health(): Promise<StoreHealth> {
    const t0 = performance.now();
    try {
      const v = (this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      // Reads a real page too: a corrupt header or schema fails here.
      this.db.prepare('SELECT count(*) AS n FROM repos').get();
      tightenModes(this.location);
      const problem = this.guard.problem();
      if (problem)
        return {
          healthy: false,
          backend: this.backend,
          location: this.location,
          version: `SQLite ${v}`,
          latencyMs: null,
          error: problem.error,
          hint: problem.hint,
        };
      return {
        healthy: true,
        backend: this.backend,
        location: this.location,
        version: `SQLite ${v}`,
        latencyMs: Math.round((performance.now() - t0) * 10) / 10,
      };
    } catch (err) {
      this.guard.noteError(err);
      const problem = this.guard.problem();
      return {
        healthy: false,
        backend: this.backend,
        location: this.location,
        version: null,
        latencyMs: null,
        error: problem?.error ?? (err as Error).message,
        hint: problem?.hint,
      };
    }
  }

  /** `PRAGMA quick_check` now (the daemon runs it on start); the problem found, or null. */
  checkIntegrity(): string | null {
    return this.guard.checkIntegrity();
  }

  /** A query failed: a corruption error makes the store unhealthy until it is fixed. */
  noteError(err: unknown): void {
    this.guard.noteError(err);
  }

  async findParse(parseKey: string): Promise<number | null> {
    while (this.port.idle()) await this.port.idle();
    return this.stmts.parseByKey.get(parseKey)?.id ?? null;
  }

  async searchLexical(q: LexicalQuery): Promise<LexicalRow[]> {
    while (this.port.idle()) await this.port.idle();
    // FTS5 scores alone first (its table-wide bm25()), then the views are joined (chunk-reads.ts).
    // Each step reads the connection directly: after waiting out any port transaction, with no await in between (sql-port.ts).
    return rescoredLexicalSearch(
      this.port,
      q,
      async (limit, inner) => {
        while (this.port.idle()) await this.port.idle();
        return this.lexicalRows(q, limit, inner);
      },
      async (ids, keys) => {
        while (this.port.idle()) await this.port.idle();
        return this.repoLexStats(ids, keys);
      },
    );
  }

  /** Cache of per-repository lexical statistics, valid while no connection writes (data_version, total_changes but the search log's rows). */
  private lexStatsCache: { key: string; repos: Map<number, { nrow: number; ntok: number; hits: Map<string, number> }> } | null = null;

  /** Per-repository statistics (repo-bm25.ts): occurrences in the view, their tokens, and those holding each phrase. */
  private repoLexStats(repoIds: number[], keys: string[]): Map<number, RepoLexStats> {
    const changes = this.db.prepare<[], { n: number }>('SELECT total_changes() AS n').get()!.n - searchLogChanges(this.port);
    const version = `${this.db.pragma('data_version', { simple: true }) as number}:${changes}`;
    if (this.lexStatsCache?.key !== version) this.lexStatsCache = { key: version, repos: new Map() };
    const cache = this.lexStatsCache.repos;
    const out = new Map<number, RepoLexStats>();
    for (const repoId of repoIds) {
      let st = cache.get(repoId);
      if (!st) {
        let nrow = 0;
        let ntok = 0;
        const sizes = this.db
          .prepare<[number], { sz: Uint8Array }>(
            'SELECT d.sz FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id JOIN chunk_fts_docsize d ON d.id = pc.id WHERE f.repo_id = ?',
          )
          .raw()
          .iterate(repoId) as IterableIterator<[Uint8Array]>;
        for (const [sz] of sizes) {
          nrow++;
          ntok += docsizeTokens(sz);
        }
        st = { nrow, ntok, hits: new Map() };
        cache.set(repoId, st);
      }
      // Bounded like PostgreSQL's: a daemon answering many distinct queries between writes must not grow.
      if (st.hits.size > 50_000) st.hits.clear();
      const missing = keys.filter((k) => !st!.hits.has(k));
      if (missing.length) {
        const count = this.db.prepare<[string, number], { n: number }>(
          'SELECT count(*) AS n FROM chunk_fts h JOIN parse_chunks pc ON pc.id = h.rowid JOIN files f ON f.parse_id = pc.parse_id WHERE chunk_fts MATCH ? AND f.repo_id = ?',
        );
        for (const k of missing) st.hits.set(k, count.get(phraseMatch(k), repoId)!.n);
      }
      out.set(repoId, st);
    }
    return out;
  }

  private lexicalRows(q: LexicalQuery, limit: number, inner: number | null): { rows: LexicalRow[]; capHit: boolean } {
    const params: unknown[] = [q.match];
    if (inner !== null) params.push(inner);
    let where = ' AND ' + this.view.where(q, params);
    if (q.history) where += ' AND ' + historyFilterSql(COMMIT_FTS, q.history, params, 'pc.start_line', 'pc.end_line');
    params.push(limit);
    // bm25() is lower-is-better; symbol names weigh more than body text. Rank and filter on ids
    // first, and load chunk text only for the rows that survive the LIMIT. Equal scores (the same
    // text at two paths) are ordered by place, so every backend returns the same list.
    const cap = inner !== null ? ' ORDER BY score DESC LIMIT ?' : '';
    // Text is loaded afterwards, for the candidates only (withText).
    const sql = `SELECT ${CHUNK_COLS}, hits.score
        FROM (SELECT rowid AS occ, -bm25(chunk_fts, 4.0, 1.0) AS score FROM chunk_fts WHERE chunk_fts MATCH ?${cap}) hits
        JOIN parse_chunks pc ON pc.id = hits.occ
        JOIN files f ON f.parse_id = pc.parse_id
        WHERE 1 = 1${where}
        ORDER BY hits.score DESC, f.path, pc.start_line, pc.end_line, f.repo_id LIMIT ?`;
    try {
      const rows = this.db
        .prepare<unknown[], Row>(sql)
        .all(...params)
        .map((r) => ({ ...toChunkRow(r), bm25: r.score as number }));
      let capHit = false;
      if (inner !== null && rows.length < limit) {
        capHit =
          this.db
            .prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM (SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? LIMIT ?)')
            .get(q.match, inner)!.n >= inner;
      }
      return { rows, capHit };
    } catch (err) {
      throw ftsError(err, 'for that query');
    }
  }

  private chunkTotal: { n: number; at: number } | null = null;
  /** Document frequencies looked up since chunkTotal was counted: refreshed together, at most 10 s old. */
  private readonly dfCache = new Map<string, number>();
  private vocabReady = false;

  async documentFrequencies(tokens: string[], repoIds?: number[]): Promise<{ total: number; df: Map<string, number> }> {
    while (this.port.idle()) await this.port.idle();
    // Scoped to repositories: their views' counts (what their lexical scores use), never other repositories'.
    if (repoIds?.length) return sumRepoStats(this.repoLexStats(repoIds, tokens), tokens);
    // A temp fts5vocab table over the lexical index: per-term document counts from the index itself.
    if (!this.vocabReady) {
      this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunk_fts_vocab USING fts5vocab(main, chunk_fts, 'row')");
      this.vocabReady = true;
    }
    if (!this.chunkTotal || Date.now() - this.chunkTotal.at > 10_000) {
      this.chunkTotal = { n: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM parse_chunks').get()!.n, at: Date.now() };
      this.dfCache.clear();
    }
    const stmt = this.db.prepare<[string], { doc: number }>('SELECT doc FROM temp.chunk_fts_vocab WHERE term = ?');
    const df = new Map<string, number>();
    for (const t of tokens) {
      let n = this.dfCache.get(t);
      if (n === undefined) {
        n = stmt.get(t)?.doc ?? 0;
        if (this.dfCache.size >= 10_000) this.dfCache.clear();
        this.dfCache.set(t, n);
      }
      df.set(t, n);
    }
    return { total: this.chunkTotal.n, df };
  }

  async symbolNames(): Promise<string[]> {
    while (this.port.idle()) await this.port.idle();
    // Another connection (the CLI next to the daemon, another daemon) may have written symbols.
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version !== this.namesVersion) {
      this.namesVersion = version;
      this.namesCache = null;
    }
    if (!this.namesCache) this.namesCache = this.stmts.symbolNames.all().map((r) => r.name);
    return this.namesCache;
  }

  async prune(): Promise<{ parses: number; chunks: number; commits?: number }> {
    return this.port.tx(async (c) => {
      const orphanParses = this.db
        .prepare<[], { id: number }>('SELECT p.id FROM parses p WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.parse_id = p.id)')
        .all();
      const delFts = this.db.prepare('DELETE FROM chunk_fts WHERE rowid IN (SELECT id FROM parse_chunks WHERE parse_id = ?)');
      const delParse = this.db.prepare('DELETE FROM parses WHERE id = ?');
      for (const { id } of orphanParses) {
        delFts.run(id);
        delParse.run(id);
      }
      const chunks = this.db.prepare('DELETE FROM chunks WHERE NOT EXISTS (SELECT 1 FROM parse_chunks pc WHERE pc.chunk_hash = chunks.hash)').run().changes;
      if (orphanParses.length) this.namesCache = null;
      const commits = await this.history.pruneCommits(c);
      return { parses: orphanParses.length, chunks, ...(commits ? { commits } : {}) };
    });
  }

  async close(): Promise<void> {
    // A port transaction still open across an await finishes first (closing would roll it back under it).
    while (this.port.idle()) await this.port.idle();
    if (this.db.open) {
      try {
        this.db.pragma('optimize');
      } catch {
        // optimize is advisory; a read-only or busy database may refuse it
      }
      this.db.close();
    }
  }

  /** Raw access for migrations/maintenance code that lives next to this backend. */
  get raw(): Db {
    return this.db;
  }
}

const STATEMENT_CACHE_SIZE = 400;

/**
 * Queries built per call (filters, IN lists) were prepared on every search: about a
 * tenth of a search's time. The connection's prepare() now returns a cached
 * statement for SQL it has seen; statements are reusable, and all use is synchronous.
 */
function reusePreparedStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof prepare>>();
  (db as { prepare: unknown }).prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (stmt && !stmt.busy) {
      // Refresh its place: the Map's order is the eviction order.
      cache.delete(sql);
      cache.set(sql, stmt);
      return stmt;
    }
    stmt = prepare(sql);
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(sql, stmt);
    return stmt;
  };
}
