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
import type { ChunkKind, SymbolKind } from '../lang/types.js';
import { SQLITE_MIGRATIONS } from './sqlite-schema.js';
import { historyFilterSql, SqliteHistory } from './sqlite-history.js';
import { NO_REPO_LOCK } from './repo-lock.js';
import { createOwnerOnly, SqliteFileGuard, tightenModes } from './sqlite-file-guard.js';
import { parseMatch } from './fts-match.js';
import { candidatesToRescore, docsizeTokens, matchPhraseKeys, phraseMatch, rescoreByRepository, rescoreWindow, sumRepoStats, type RepoLexStats } from './repo-bm25.js';
import type {
  BlameWork,
  BlameWrite,
  CoChangeCounts,
  CommitChunkRow,
  CommitQuery,
  CommitRecord,
  CommitSearchQuery,
  CommitWithFiles,
  FileCommit,
  HistoryState,
  HistoryStats,
  LineRangeQuery,
  LogUpdate,
  RangeBlame,
  RenameRecord,
  StoredBlame,
  ChunkRow,
  JobBatch,
  FileRecord,
  FileWrite,
  LexicalQuery,
  LexicalRow,
  MetadataStore,
  RepoRecord,
  StoreHealth,
  SymbolLookup,
  SymbolRow,
  ViewFilter,
  ViewStats,
  WriteOutcome,
} from './types.js';

interface RepoRow {
  id: number;
  root: string;
  name: string;
  added_at: number;
  indexed_commit: string | null;
  indexed_at: number | null;
  last_summary: string | null;
  last_error: string | null;
  registered: number;
}

function toRepo(r: RepoRow): RepoRecord {
  return {
    id: r.id,
    root: r.root,
    name: r.name,
    addedAt: r.added_at,
    indexedCommit: r.indexed_commit,
    indexedAt: r.indexed_at,
    lastSummary: r.last_summary,
    lastError: r.last_error,
    registered: r.registered === 1,
  };
}

export interface SqliteStoreOptions {
  readonly?: boolean;
}

export class SqliteStore implements MetadataStore {
  readonly backend = 'sqlite';
  readonly location: string;
  /** One writer per database file already (the daemon lock): nothing to take. */
  readonly repoLock = NO_REPO_LOCK;
  private readonly db: Db;
  private readonly stmts: ReturnType<SqliteStore['prepare']>;
  private readonly history: SqliteHistory;
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
        this.regexCache.set(pattern, re);
      }
      return re.test(value) ? 1 : 0;
    });
    this.guard = new SqliteFileGuard(this.db, path);
    this.stmts = this.prepare();
    this.history = new SqliteHistory(this.db, (f, params, alias) => this.viewWhere(f, params, alias));
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
      repoByRoot: db.prepare<[string], RepoRow>('SELECT * FROM repos WHERE root = ?'),
      repoById: db.prepare<[number], RepoRow>('SELECT * FROM repos WHERE id = ?'),
      repos: db.prepare<[], RepoRow>('SELECT * FROM repos ORDER BY root'),
      insertRepo: db.prepare('INSERT INTO repos (root, name, added_at) VALUES (?, ?, ?)'),
      files: db.prepare<[number], { path: string; blob: string; content_key: string; size: number; language: string | null; status: string; skip_reason: string | null; parse_id: number | null }>(
        'SELECT path, blob, content_key, size, language, status, skip_reason, parse_id FROM files WHERE repo_id = ?',
      ),
      parseByKey: db.prepare<[string], { id: number }>('SELECT id FROM parses WHERE parse_key = ?'),
      insertParse: db.prepare('INSERT INTO parses (parse_key, language, fallback, parse_error, created_at) VALUES (?, ?, ?, ?, ?)'),
      insertChunk: db.prepare('INSERT OR IGNORE INTO chunks (hash, language, text) VALUES (?, ?, ?)'),
      insertParseChunk: db.prepare(
        'INSERT INTO parse_chunks (parse_id, ord, chunk_hash, start_line, end_line, symbol, kind) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertFts: db.prepare('INSERT INTO chunk_fts (rowid, symbol, body) VALUES (?, ?, ?)'),
      insertSymbol: db.prepare(
        'INSERT INTO symbols (parse_id, name, kind, container, start_line, end_line, name_line, name_col, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertFile: db.prepare(
        `INSERT INTO files (repo_id, path, blob, content_key, size, language, encoding, status, skip_reason, parse_id, indexed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo_id, path) DO UPDATE SET blob = excluded.blob, content_key = excluded.content_key, size = excluded.size, language = excluded.language,
           encoding = excluded.encoding, status = excluded.status, skip_reason = excluded.skip_reason,
           parse_id = excluded.parse_id, indexed_at = excluded.indexed_at`,
      ),
      deleteFile: db.prepare('DELETE FROM files WHERE repo_id = ? AND path = ?'),
      fileChunks: db.prepare<[number, string], RawChunkRow>(
        `SELECT pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind, c.text
         FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id JOIN chunks c ON c.hash = pc.chunk_hash
         WHERE f.repo_id = ? AND f.path = ? ORDER BY pc.ord`,
      ),
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
      if (problem) return { healthy: false, backend: this.backend, location: this.location, version: `SQLite ${v}`, latencyMs: null, error: problem.error, hint: problem.hint };
      return { healthy: true, backend: this.backend, location: this.location, version: `SQLite ${v}`, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
    } catch (err) {
      this.guard.noteError(err);
      const problem = this.guard.problem();
      return { healthy: false, backend: this.backend, location: this.location, version: null, latencyMs: null, error: problem?.error ?? (err as Error).message, hint: problem?.hint };
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

  async ensureRepo(root: string, name: string): Promise<RepoRecord> {
    const existing = this.stmts.repoByRoot.get(root);
    if (existing) return toRepo(existing);
    this.stmts.insertRepo.run(root, name, Date.now());
    return toRepo(this.stmts.repoByRoot.get(root)!);
  }

  async getRepo(root: string): Promise<RepoRecord | null> {
    const r = this.stmts.repoByRoot.get(root);
    return r ? toRepo(r) : null;
  }

  async getRepoById(id: number): Promise<RepoRecord | null> {
    const r = this.stmts.repoById.get(id);
    return r ? toRepo(r) : null;
  }

  async listRepos(): Promise<RepoRecord[]> {
    return this.stmts.repos.all().map(toRepo);
  }

  async updateRepo(id: number, patch: Partial<Pick<RepoRecord, 'indexedCommit' | 'indexedAt' | 'lastSummary' | 'lastError' | 'registered'>>): Promise<void> {
    const cols: Record<string, string> = {
      indexedCommit: 'indexed_commit',
      indexedAt: 'indexed_at',
      lastSummary: 'last_summary',
      lastError: 'last_error',
      registered: 'registered',
    };
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || !(key in cols)) continue;
      sets.push(`${cols[key]} = ?`);
      values.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    }
    if (!sets.length) return;
    this.db.prepare(`UPDATE repos SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  async removeRepo(id: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM files WHERE repo_id = ?').run(id);
      this.db.prepare('DELETE FROM repos WHERE id = ?').run(id);
    })();
  }

  async listFiles(repoId: number): Promise<Map<string, FileRecord>> {
    const out = new Map<string, FileRecord>();
    for (const r of this.stmts.files.iterate(repoId)) {
      out.set(r.path, {
        path: r.path,
        blob: r.blob,
        contentKey: r.content_key,
        size: r.size,
        language: r.language,
        status: r.status as FileRecord['status'],
        skipReason: r.skip_reason,
        parseId: r.parse_id,
      });
    }
    return out;
  }

  async findParse(parseKey: string): Promise<number | null> {
    return this.stmts.parseByKey.get(parseKey)?.id ?? null;
  }

  async writeFile(repoId: number, file: FileWrite): Promise<WriteOutcome> {
    return this.db.transaction(() => this.writeOne(repoId, file))();
  }

  async writeFiles(repoId: number, files: FileWrite[]): Promise<WriteOutcome[]> {
    // Nested better-sqlite3 transactions are savepoints: one bad file rolls back alone.
    const one = this.db.transaction((f: FileWrite) => this.writeOne(repoId, f));
    return this.db.transaction(() =>
      files.map((f): WriteOutcome => {
        try {
          return one(f);
        } catch (err) {
          return { parseId: null, newChunks: 0, error: (err as Error).message };
        }
      }),
    )();
  }

  private writeOne(repoId: number, file: FileWrite): WriteOutcome {
    {
      const now = Date.now();
      const content = file.content;
      let parseId: number | null = null;
      let newChunks = 0;
      if (content.kind === 'reuse') {
        parseId = content.parseId;
      } else if (content.kind === 'parsed') {
        const existing = this.stmts.parseByKey.get(file.contentKey);
        if (existing) {
          parseId = existing.id;
        } else {
          const { parsed, chunkHashes, lexical } = content;
          parseId = Number(
            this.stmts.insertParse.run(file.contentKey, parsed.language, parsed.fallback ? 1 : 0, parsed.parseError ?? null, now).lastInsertRowid,
          );
          parsed.chunks.forEach((chunk, ord) => {
            const hash = chunkHashes[ord];
            newChunks += this.stmts.insertChunk.run(hash, parsed.language, chunk.text).changes;
            const occ = this.stmts.insertParseChunk.run(parseId, ord, hash, chunk.startLine, chunk.endLine, chunk.symbol, chunk.kind).lastInsertRowid;
            const lex = lexical?.[ord];
            this.stmts.insertFts.run(occ, lex ? lex.symbol : chunk.symbol ? indexText(chunk.symbol) : '', lex ? lex.body : indexText(chunk.text));
          });
          for (const s of parsed.symbols) {
            this.stmts.insertSymbol.run(parseId, s.name, s.kind, s.container, s.startLine, s.endLine, s.nameLine, s.nameColumn, s.signature);
          }
          if (parsed.symbols.length) this.namesCache = null;
        }
      }
      this.stmts.upsertFile.run(
        repoId,
        file.path,
        file.blob,
        file.contentKey,
        file.size,
        file.language,
        file.encoding,
        content.kind === 'skipped' ? 'skipped' : 'indexed',
        content.kind === 'skipped' ? content.reason : null,
        parseId,
        now,
      );
      return { parseId, newChunks };
    }
  }

  async deleteFiles(repoId: number, paths: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const p of paths) this.stmts.deleteFile.run(repoId, p);
    })();
  }

  private viewWhere(filter: ViewFilter, params: unknown[], alias = 'f'): string {
    const clauses: string[] = [];
    if (filter.repoIds?.length) {
      clauses.push(`${alias}.repo_id IN (${filter.repoIds.map(() => '?').join(',')})`);
      params.push(...filter.repoIds);
    }
    if (filter.languages?.length) {
      clauses.push(`${alias}.language IN (${filter.languages.map(() => '?').join(',')})`);
      params.push(...filter.languages);
    }
    if (filter.pathRegexes?.length) {
      clauses.push(`(${filter.pathRegexes.map(() => `${alias}.path REGEXP ?`).join(' OR ')})`);
      params.push(...filter.pathRegexes);
    }
    return clauses.length ? ' AND ' + clauses.join(' AND ') : '';
  }

  async searchLexical(q: LexicalQuery): Promise<LexicalRow[]> {
    // Candidates: the view's best `fetch` rows by FTS5's table-wide bm25(), scored in FTS5 alone
    // first and capped at the best `inner` before joining the views (a common word can match most
    // of a 100k-chunk index, and joining every match costs more than the search). Rows outside that
    // set score lower than all inside it, so the candidates are exact unless filters leave fewer
    // than `fetch` rows: then search without the cap. The candidates (all of the view's matches when
    // there are fewer than `fetch`) are then scored with their own repository's statistics
    // (repo-bm25.ts), so what else is indexed does not change a ranking.
    const { fetch } = rescoreWindow(q.limit);
    const inner = Math.max(fetch * 5, 500);
    const capped = this.lexicalRows(q, fetch, inner);
    const rows = this.withText(candidatesToRescore(capped.length >= fetch || !capped.capHit ? capped.rows : this.lexicalRows(q, fetch, null).rows, q.limit));
    if (!rows.length) return rows;
    const stats = this.repoLexStats([...new Set(rows.map((r) => r.repoId))], matchPhraseKeys(parseMatch(q.match)));
    return rescoreByRepository(q.match, rows, stats).slice(0, q.limit);
  }

  /** The rows with their chunks' text (one read for all). */
  private withText(rows: LexicalRow[]): LexicalRow[] {
    if (!rows.length) return rows;
    const hashes = [...new Set(rows.map((r) => r.chunkHash))];
    const texts = new Map<string, string>();
    for (let i = 0; i < hashes.length; i += 500) {
      const part = hashes.slice(i, i + 500);
      for (const r of this.db.prepare<string[], { hash: string; text: string }>(`SELECT hash, text FROM chunks WHERE hash IN (${part.map(() => '?').join(',')})`).all(...part)) {
        texts.set(r.hash, r.text);
      }
    }
    return rows.map((r) => ({ ...r, text: texts.get(r.chunkHash) ?? '' }));
  }

  /** Cache of per-repository lexical statistics, valid while no connection writes (data_version, total_changes). */
  private lexStatsCache: { key: string; repos: Map<number, { nrow: number; ntok: number; hits: Map<string, number> }> } | null = null;

  /** Per-repository statistics (repo-bm25.ts): occurrences in the view, their tokens, and those holding each phrase. */
  private repoLexStats(repoIds: number[], keys: string[]): Map<number, RepoLexStats> {
    const version = `${this.db.pragma('data_version', { simple: true }) as number}:${this.db.prepare<[], { n: number }>('SELECT total_changes() AS n').get()!.n}`;
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

  private lexicalRows(q: LexicalQuery, limit: number, inner: number | null): { rows: LexicalRow[]; length: number; capHit: boolean } {
    const params: unknown[] = [q.match];
    if (inner !== null) params.push(inner);
    let where = this.viewWhere(q, params);
    if (q.history) where += ' AND ' + historyFilterSql(q.history, params, 'pc.start_line', 'pc.end_line');
    params.push(limit);
    // bm25() is lower-is-better; symbol names weigh more than body text. Rank and filter on ids
    // first, and load chunk text only for the rows that survive the LIMIT. Equal scores (the same
    // text at two paths) are ordered by place, so every backend returns the same list.
    const cap = inner !== null ? ' ORDER BY score DESC LIMIT ?' : '';
    // Text is loaded afterwards, for the candidates only (withText).
    const sql = `SELECT pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind, hits.score, '' AS text
        FROM (SELECT rowid AS occ, -bm25(chunk_fts, 4.0, 1.0) AS score FROM chunk_fts WHERE chunk_fts MATCH ?${cap}) hits
        JOIN parse_chunks pc ON pc.id = hits.occ
        JOIN files f ON f.parse_id = pc.parse_id
        WHERE 1 = 1${where}
        ORDER BY hits.score DESC, f.path, pc.start_line, pc.end_line, f.repo_id LIMIT ?`;
    try {
      const rows = this.db
        .prepare<unknown[], RawChunkRow & { score: number }>(sql)
        .all(...params)
        .map((r) => ({ ...toChunkRow(r), bm25: r.score }));
      let capHit = false;
      if (inner !== null && rows.length < limit) {
        capHit = this.db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM (SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? LIMIT ?)').get(q.match, inner)!.n >= inner;
      }
      return { rows, length: rows.length, capHit };
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_ERROR' && /fts5|syntax/i.test((err as Error).message)) {
        throw new ContextdError('bad-query', `cannot search for that query: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  private chunkTotal: { n: number; at: number } | null = null;
  /** Document frequencies looked up since chunkTotal was counted: refreshed together, at most 10 s old. */
  private readonly dfCache = new Map<string, number>();
  private vocabReady = false;

  async documentFrequencies(tokens: string[], repoIds?: number[]): Promise<{ total: number; df: Map<string, number> }> {
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
    // Another connection (the CLI next to the daemon, another daemon) may have written symbols.
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version !== this.namesVersion) {
      this.namesVersion = version;
      this.namesCache = null;
    }
    if (!this.namesCache) this.namesCache = this.stmts.symbolNames.all().map((r) => r.name);
    return this.namesCache;
  }

  async lookupSymbols(q: SymbolLookup): Promise<SymbolRow[]> {
    if (!q.names.length) return [];
    const params: unknown[] = [...q.names];
    let sql = `SELECT f.repo_id, f.path, f.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.name_line, s.name_col, s.signature
      FROM symbols s JOIN files f ON f.parse_id = s.parse_id
      WHERE s.name IN (${q.names.map(() => '?').join(',')})`;
    sql += this.viewWhere(q, params);
    if (q.history) sql += ' AND ' + historyFilterSql(q.history, params, 's.start_line', 's.end_line');
    if (q.kinds?.length) {
      sql += ` AND s.kind IN (${q.kinds.map(() => '?').join(',')})`;
      params.push(...q.kinds);
    }
    sql += ' ORDER BY f.repo_id, f.path, s.start_line, s.name_line, s.name_col, s.name, s.kind LIMIT ?';
    params.push(q.limit);
    return this.db
      .prepare<unknown[], RawSymbolRow>(sql)
      .all(...params)
      .map((r) => ({
        repoId: r.repo_id,
        path: r.path,
        language: r.language,
        name: r.name,
        kind: r.kind as SymbolKind,
        container: r.container,
        startLine: r.start_line,
        endLine: r.end_line,
        nameLine: r.name_line,
        nameColumn: r.name_col,
        signature: r.signature,
      }));
  }

  async fileChunks(repoId: number, path: string): Promise<ChunkRow[]> {
    return this.stmts.fileChunks.all(repoId, path).map(toChunkRow);
  }

  async stats(repoId?: number): Promise<ViewStats> {
    const params: unknown[] = [];
    const where = repoId === undefined ? '' : ' WHERE f.repo_id = ?';
    if (repoId !== undefined) params.push(repoId);
    const files = this.db
      .prepare<unknown[], { status: string; language: string | null; n: number; bytes: number }>(
        `SELECT status, language, COUNT(*) AS n, SUM(size) AS bytes FROM files f${where} GROUP BY status, language`,
      )
      .all(...params);
    const out: ViewStats = { files: 0, skipped: 0, chunks: 0, symbols: 0, bytes: 0, languages: {} };
    for (const r of files) {
      if (r.status === 'skipped') {
        out.skipped += r.n;
        continue;
      }
      out.files += r.n;
      out.bytes += r.bytes ?? 0;
      if (r.language) out.languages[r.language] = (out.languages[r.language] ?? 0) + r.n;
    }
    out.chunks = this.db
      .prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id${where}`)
      .get(...params)!.n;
    out.symbols = this.db
      .prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM files f JOIN symbols s ON s.parse_id = f.parse_id${where}`)
      .get(...params)!.n;
    return out;
  }

  private jobSeq = 0;

  async enqueue(repoId: number, paths: string[] | null, reason: string): Promise<void> {
    if (this.jobSeq === 0) this.jobSeq = (this.db.prepare<[], { s: number | null }>('SELECT MAX(seq) AS s FROM jobs').get()?.s ?? 0) + 1;
    const stmt = this.db.prepare(
      `INSERT INTO jobs (repo_id, path, seq, reason, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (repo_id, path) DO UPDATE SET seq = excluded.seq, reason = excluded.reason`,
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const p of paths ?? ['']) stmt.run(repoId, p, this.jobSeq++, reason, now);
    })();
  }

  async pendingJobs(): Promise<Map<number, number>> {
    const rows = this.db.prepare<[], { repo_id: number; n: number }>('SELECT repo_id, COUNT(*) AS n FROM jobs GROUP BY repo_id').all();
    return new Map(rows.map((r) => [r.repo_id, r.n]));
  }

  async takeJobs(repoId: number, max: number): Promise<JobBatch | null> {
    const full = this.db.prepare<[number], { seq: number; reason: string }>("SELECT seq, reason FROM jobs WHERE repo_id = ? AND path = ''").get(repoId);
    const rows = full
      ? this.db.prepare<[number], { path: string; seq: number; reason: string }>('SELECT path, seq, reason FROM jobs WHERE repo_id = ?').all(repoId)
      : this.db
          .prepare<[number, number], { path: string; seq: number; reason: string }>('SELECT path, seq, reason FROM jobs WHERE repo_id = ? ORDER BY seq LIMIT ?')
          .all(repoId, max);
    if (!rows.length) return null;
    return {
      full: !!full,
      paths: rows.filter((r) => r.path !== '').map((r) => r.path),
      reasons: [...new Set(rows.map((r) => r.reason))],
      taken: rows.map((r) => [r.path, r.seq]),
    };
  }

  async finishJobs(repoId: number, batch: JobBatch): Promise<void> {
    const del = this.db.prepare('DELETE FROM jobs WHERE repo_id = ? AND path = ? AND seq <= ?');
    this.db.transaction(() => {
      for (const [path, seq] of batch.taken) del.run(repoId, path, seq);
    })();
  }

  async prune(): Promise<{ parses: number; chunks: number; commits?: number }> {
    return this.db.transaction(() => {
      const orphanParses = this.db
        .prepare<[], { id: number }>('SELECT p.id FROM parses p WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.parse_id = p.id)')
        .all();
      const delFts = this.db.prepare('DELETE FROM chunk_fts WHERE rowid IN (SELECT id FROM parse_chunks WHERE parse_id = ?)');
      const delParse = this.db.prepare('DELETE FROM parses WHERE id = ?');
      for (const { id } of orphanParses) {
        delFts.run(id);
        delParse.run(id);
      }
      const chunks = this.db
        .prepare('DELETE FROM chunks WHERE NOT EXISTS (SELECT 1 FROM parse_chunks pc WHERE pc.chunk_hash = chunks.hash)')
        .run().changes;
      if (orphanParses.length) this.namesCache = null;
      const commits = this.history.pruneCommits();
      return { parses: orphanParses.length, chunks, ...(commits ? { commits } : {}) };
    })();
  }

  // ---- git history (SQL in sqlite-history.ts) ----

  async historyState(repoId: number): Promise<HistoryState | null> {
    return this.history.historyState(repoId);
  }

  async resetHistoryLog(repoId: number): Promise<void> {
    this.history.resetHistoryLog(repoId);
  }

  async addCommits(repoId: number, commits: CommitRecord[]): Promise<number> {
    return this.history.addCommits(repoId, commits);
  }

  async finishLogUpdate(repoId: number, update: LogUpdate): Promise<{ alreadyStale: string[] }> {
    return this.history.finishLogUpdate(repoId, update);
  }

  async commitPaths(shas: string[]): Promise<string[]> {
    return this.history.commitPaths(shas);
  }

  async soleAdditions(repoId: number, paths: string[]): Promise<Map<string, string>> {
    return this.history.soleAdditions(repoId, paths);
  }

  async blameWork(repoId: number, paths?: string[]): Promise<BlameWork> {
    return this.history.blameWork(repoId, paths);
  }

  async writeBlames(repoId: number, files: BlameWrite[]): Promise<(string | null)[]> {
    return this.history.writeBlames(repoId, files);
  }

  async deleteBlames(repoId: number, paths: string[]): Promise<void> {
    this.history.deleteBlames(repoId, paths);
  }

  async fileBlame(repoId: number, path: string): Promise<StoredBlame | null> {
    return this.history.fileBlame(repoId, path);
  }

  async blameForRanges(queries: LineRangeQuery[]): Promise<RangeBlame[]> {
    return this.history.blameForRanges(queries);
  }

  async searchCommitChunks(query: CommitSearchQuery): Promise<CommitChunkRow[]> {
    return this.history.searchCommitChunks(query);
  }

  async fileCommits(repoId: number, paths: string[], limit: number): Promise<FileCommit[]> {
    return this.history.fileCommits(repoId, paths, limit);
  }

  async renames(repoId: number): Promise<RenameRecord[]> {
    return this.history.renames(repoId);
  }

  async coChange(repoId: number, paths: string[], maxFiles: number): Promise<CoChangeCounts> {
    return this.history.coChange(repoId, paths, maxFiles);
  }

  async recentCommits(query: CommitQuery): Promise<CommitWithFiles[]> {
    return this.history.recentCommits(query);
  }

  async historyStats(repoId: number): Promise<HistoryStats> {
    return this.history.historyStats(repoId);
  }

  async close(): Promise<void> {
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

interface RawChunkRow {
  occ: number;
  chunk_hash: string;
  repo_id: number;
  path: string;
  language: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
  text: string;
}

interface RawSymbolRow {
  repo_id: number;
  path: string;
  language: string;
  name: string;
  kind: string;
  container: string | null;
  start_line: number;
  end_line: number;
  name_line: number;
  name_col: number;
  signature: string;
}

function toChunkRow(r: RawChunkRow): ChunkRow {
  return {
    occurrenceId: r.occ,
    chunkHash: r.chunk_hash,
    repoId: r.repo_id,
    path: r.path,
    language: r.language,
    startLine: r.start_line,
    endLine: r.end_line,
    symbol: r.symbol,
    kind: r.kind as ChunkKind,
    text: r.text,
  };
}

