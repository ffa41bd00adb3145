/**
 * The metadata store on PostgreSQL (pg pool, slonik typed queries): the same
 * contract as the SQLite store, for teams and shared build boxes.
 *
 * - Writes: a batch of files is one transaction of a few set-based statements
 *   (unnest); when one file makes it fail, the batch is redone file by file, each in
 *   its own savepoint, so every file is still all-or-nothing. A lost connection fails
 *   the whole batch (the server rolls it back) with a `store-unavailable` error.
 * - Lexical search reproduces FTS5's BM25 exactly (postgres-lexical.ts): both backends
 *   give the same hits in the same order.
 * - Several daemons can share one database: content (parses, chunks, commits, vectors)
 *   is shared; repositories belong to a machine (`machine` + root path), and a search
 *   without a repository filter sees only this machine's repositories. An advisory
 *   lock per repository keeps two daemons from indexing it at once (repoLock).
 * - Migrations run on open (schema_migrations), under an advisory lock.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { ContextdError, errorMessage } from '../errors.js';
import type { SymbolKind } from '../lang/types.js';
import { indexText } from '../search/tokenize.js';
import { isConnectionError, openError, parsePgUrl, PgDb, sql, type PgTarget, type Queryable, type TxConnection } from './pg-db.js';
import { fts5Tokens } from './fts-tokens.js';
import { bm25Rows, CHUNK_LEXICON, lexicalDocs, parseMatch, phraseCountsQuery, phraseKeys, repoLexStatsQuery, type LexicalKnown, type LexicalTable } from './postgres-lexical.js';
import { candidatesToRescore, matchPhraseKeys, rescoreByRepository, rescoreWindow, sumRepoStats, type RepoLexStats } from './repo-bm25.js';
import { PG_MIGRATIONS } from './postgres-schema.js';
import { PostgresHistory, pgHistoryFilter } from './postgres-history.js';
import { PostgresEmbeddingStore } from './postgres-vectors.js';
import type { RepoLease, RepoLock } from './repo-lock.js';
import type {
  BlameWork,
  BlameWrite,
  ChunkRow,
  CoChangeCounts,
  CommitChunkRow,
  CommitQuery,
  CommitRecord,
  CommitSearchQuery,
  CommitWithFiles,
  FileCommit,
  FileRecord,
  FileWrite,
  HistoryState,
  HistoryStats,
  JobBatch,
  LexicalQuery,
  LexicalRow,
  LineRangeQuery,
  LogUpdate,
  MetadataStore,
  RangeBlame,
  RenameRecord,
  RepoRecord,
  StoreHealth,
  StoredBlame,
  SymbolLookup,
  SymbolRow,
  ViewFilter,
  ViewStats,
  WriteOutcome,
} from './types.js';

type Fragment = ReturnType<typeof sql.fragment>;

const repoRow = z.object({
  id: z.number(),
  root: z.string(),
  name: z.string(),
  added_at: z.number(),
  indexed_commit: z.string().nullable(),
  indexed_at: z.number().nullable(),
  last_summary: z.string().nullable(),
  last_error: z.string().nullable(),
  registered: z.boolean(),
});
const REPO_COLS = sql.fragment`id, root, name, added_at, indexed_commit, indexed_at, last_summary, last_error, registered`;

function toRepo(r: z.infer<typeof repoRow>): RepoRecord {
  return {
    id: r.id,
    root: r.root,
    name: r.name,
    addedAt: r.added_at,
    indexedCommit: r.indexed_commit,
    indexedAt: r.indexed_at,
    lastSummary: r.last_summary,
    lastError: r.last_error,
    registered: r.registered,
  };
}

export const chunkRowSchema = z.object({
  occ: z.number(),
  chunk_hash: z.string(),
  repo_id: z.number(),
  path: z.string(),
  language: z.string(),
  start_line: z.number(),
  end_line: z.number(),
  symbol: z.string().nullable(),
  kind: z.string(),
  text: z.string(),
});

export function toChunkRow(r: z.infer<typeof chunkRowSchema>): ChunkRow {
  return {
    occurrenceId: r.occ,
    chunkHash: r.chunk_hash,
    repoId: r.repo_id,
    path: r.path,
    language: r.language,
    startLine: r.start_line,
    endLine: r.end_line,
    symbol: r.symbol,
    kind: r.kind as ChunkRow['kind'],
    text: r.text,
  };
}

const symbolRow = z.object({
  repo_id: z.number(),
  path: z.string(),
  language: z.string(),
  name: z.string(),
  kind: z.string(),
  container: z.string().nullable(),
  start_line: z.number(),
  end_line: z.number(),
  name_line: z.number(),
  name_col: z.number(),
  signature: z.string(),
});

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database[?schema=name] */
  url: string;
  /** This daemon's machine identity: repositories are keyed by (machine, root path). */
  machine: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Told when an idle connection breaks (server restart): for the daemon's log. */
  onConnectionError?: (err: Error) => void;
}

/** Errors of concurrent writers (deadlock, serialization, a unique key another just took). */
const RACES = new Set(['40P01', '40001', '23505']);

/** How long the symbol-name list is served from memory (other daemons may add names). */
const NAMES_TTL_MS = 10_000;

export class PostgresStore implements MetadataStore {
  readonly backend = 'postgres';
  readonly location: string;
  readonly machine: string;
  readonly repoLock: RepoLock;
  private readonly history: PostgresHistory;
  private namesCache: { names: string[]; at: number } | null = null;
  private seqs!: { parses: string; parseChunks: string };
  private vectors: PostgresEmbeddingStore | null = null;

  private constructor(
    readonly db: PgDb,
    opts: PostgresStoreOptions,
  ) {
    this.location = db.target.redacted;
    this.machine = opts.machine;
    this.history = new PostgresHistory(db, (f, alias) => this.viewWhere(f, alias), (lt, match) => this.lexicalKnown(lt, match));
    this.repoLock = new AdvisoryRepoLock(db, `${db.target.schema ?? ''}\0${opts.machine}`);
  }

  /** Connects, creates the schema if asked for one, runs pending migrations. */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const target: PgTarget = parsePgUrl(opts.url);
    const db = new PgDb({ target, poolSize: opts.poolSize, connectTimeoutMs: opts.connectTimeoutMs, onIdleError: opts.onConnectionError });
    try {
      await migrate(db);
      const store = new PostgresStore(db, opts);
      const seqs = await db.one(
        sql.type(z.object({ p: z.string(), c: z.string() }))`SELECT pg_get_serial_sequence('parses', 'id') AS p, pg_get_serial_sequence('parse_chunks', 'id') AS c`,
      );
      store.seqs = { parses: seqs.p, parseChunks: seqs.c };
      return store;
    } catch (err) {
      await db.close().catch(() => {});
      throw openError(target, err);
    }
  }

  /** The embedding store on the same database (vectors shared by every daemon using it). */
  embeddings(): PostgresEmbeddingStore {
    if (!this.vectors) this.vectors = new PostgresEmbeddingStore(this.db, (f) => this.viewWhere(f));
    return this.vectors;
  }

  async health(): Promise<StoreHealth> {
    const t0 = performance.now();
    this.db.resetBackoff();
    try {
      const r = await this.db.one(sql.type(z.object({ v: z.string() }))`SELECT current_setting('server_version') AS v`);
      return { healthy: true, backend: this.backend, location: this.location, version: `PostgreSQL ${r.v}`, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
    } catch (err) {
      return {
        healthy: false,
        backend: this.backend,
        location: this.location,
        version: null,
        latencyMs: null,
        error: errorMessage(err),
        hint: err instanceof ContextdError ? err.hint : undefined,
      };
    }
  }

  // ---- repositories ----

  async ensureRepo(root: string, name: string): Promise<RepoRecord> {
    await this.db.exec(sql.unsafe`INSERT INTO repos (machine, root, name, added_at) VALUES (${this.machine}, ${root}, ${name}, ${Date.now()})
      ON CONFLICT (machine, root) DO NOTHING`);
    return (await this.getRepo(root))!;
  }

  async getRepo(root: string): Promise<RepoRecord | null> {
    const r = await this.db.maybeOne(sql.type(repoRow)`SELECT ${REPO_COLS} FROM repos WHERE machine = ${this.machine} AND root = ${root}`);
    return r ? toRepo(r) : null;
  }

  async getRepoById(id: number): Promise<RepoRecord | null> {
    const r = await this.db.maybeOne(sql.type(repoRow)`SELECT ${REPO_COLS} FROM repos WHERE id = ${id}`);
    return r ? toRepo(r) : null;
  }

  async listRepos(): Promise<RepoRecord[]> {
    return (await this.db.rows(sql.type(repoRow)`SELECT ${REPO_COLS} FROM repos WHERE machine = ${this.machine} ORDER BY root`)).map(toRepo);
  }

  async updateRepo(id: number, patch: Partial<Pick<RepoRecord, 'indexedCommit' | 'indexedAt' | 'lastSummary' | 'lastError' | 'registered'>>): Promise<void> {
    const cols: Record<string, string> = {
      indexedCommit: 'indexed_commit',
      indexedAt: 'indexed_at',
      lastSummary: 'last_summary',
      lastError: 'last_error',
      registered: 'registered',
    };
    const sets: Fragment[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || !(k in cols)) continue;
      sets.push(sql.fragment`${sql.identifier([cols[k]])} = ${v as string | number | boolean | null}`);
    }
    if (!sets.length) return;
    await this.db.exec(sql.unsafe`UPDATE repos SET ${sql.join(sets, sql.fragment`, `)} WHERE id = ${id}`);
    // The end of a full index run: after a bulk load, VACUUM (ANALYZE) now rather than whenever
    // autovacuum gets to it. It refreshes the planner's statistics (stale ones make search plans
    // join every chunk), moves the GIN indexes' pending entries into the index proper, and marks
    // pages all-visible (so counting a token's rows need not visit them).
    if (patch.indexedCommit !== undefined && this.rowsSinceAnalyze >= 1000) {
      this.rowsSinceAnalyze = 0;
      await this.db
        .exec(sql.unsafe`VACUUM (ANALYZE) files, parses, parse_chunks, lexical, symbols, chunks, commits, commit_lex, commit_files, repo_commits, blame_files, blame_ranges`)
        .catch(() => {});
    }
  }

  /** Lexical rows written since the last VACUUM (ANALYZE) (see updateRepo). */
  private rowsSinceAnalyze = 0;

  async removeRepo(id: number): Promise<void> {
    // Files, jobs, blame, history links go with it (foreign keys cascade).
    await this.db.exec(sql.unsafe`DELETE FROM repos WHERE id = ${id}`);
  }

  // ---- views and content ----

  async listFiles(repoId: number): Promise<Map<string, FileRecord>> {
    const rows = await this.db.rows(
      sql.type(
        z.object({
          path: z.string(),
          blob: z.string(),
          content_key: z.string(),
          size: z.number(),
          language: z.string().nullable(),
          status: z.string(),
          skip_reason: z.string().nullable(),
          parse_id: z.number().nullable(),
        }),
      )`SELECT path, blob, content_key, size, language, status, skip_reason, parse_id FROM files WHERE repo_id = ${repoId}`,
    );
    const out = new Map<string, FileRecord>();
    for (const r of rows) {
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

  /** Lookups waiting for the next batch, and whether one is in flight. */
  private parseLookups: { key: string; resolve: (id: number | null) => void; reject: (err: unknown) => void }[] = [];
  private parseLookupRunning = false;

  /**
   * The indexer asks once per file, several files at a time: the lookups that arrive while one
   * query runs go together in the next (one round trip for many files).
   */
  findParse(parseKey: string): Promise<number | null> {
    return new Promise((resolve, reject) => {
      this.parseLookups.push({ key: parseKey, resolve, reject });
      if (!this.parseLookupRunning) void this.runParseLookups();
    });
  }

  private async runParseLookups(): Promise<void> {
    this.parseLookupRunning = true;
    try {
      while (this.parseLookups.length) {
        const batch = this.parseLookups.splice(0, 500);
        try {
          const rows = await this.db.rows(
            sql.type(z.object({ id: z.number(), parse_key: z.string() }))`SELECT id, parse_key FROM parses WHERE parse_key = ANY(${sql.array(
              [...new Set(batch.map((b) => b.key))],
              'text',
            )})`,
          );
          const ids = new Map(rows.map((r) => [r.parse_key, r.id]));
          for (const b of batch) b.resolve(ids.get(b.key) ?? null);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.parseLookupRunning = false;
    }
  }

  async writeFile(repoId: number, file: FileWrite): Promise<WriteOutcome> {
    const [out] = await this.db.tx((c) => this.writeBatch(c, repoId, [file]));
    return out;
  }

  async writeFiles(repoId: number, files: FileWrite[]): Promise<WriteOutcome[]> {
    if (!files.length) return [];
    try {
      return await this.db.tx((c) => this.writeBatch(c, repoId, files));
    } catch (err) {
      if (isConnectionError(err)) throw err;
      // Some file made the batch fail: store them one by one, each in its own savepoint.
      return this.db.tx(async (c) => {
        const out: WriteOutcome[] = [];
        for (const file of files) {
          // A race with another daemon writing the same content (a deadlock, a parse key it just
          // inserted) is worth one more try: the second sees the other's rows.
          for (let attempt = 0; ; attempt++) {
            try {
              out.push((await c.savepoint((s) => this.writeBatch(s, repoId, [file])))[0]);
              break;
            } catch (e) {
              if (isConnectionError(e)) throw e;
              if (attempt === 0 && RACES.has((e as { code?: string }).code ?? '')) continue;
              out.push({ parseId: null, newChunks: 0, error: errorMessage(e) });
              break;
            }
          }
        }
        return out;
      });
    }
  }

  /** Stores files with set-based statements, inside the caller's transaction. */
  private async writeBatch(c: TxConnection, repoId: number, files: FileWrite[]): Promise<WriteOutcome[]> {
    const now = Date.now();
    const parsedKeys = [...new Set(files.filter((f) => f.content.kind === 'parsed').map((f) => f.contentKey))];
    const known = new Map<string, number>();
    if (parsedKeys.length) {
      for (const r of await c.rows(sql.type(z.object({ id: z.number(), parse_key: z.string() }))`SELECT id, parse_key FROM parses WHERE parse_key = ANY(${sql.array(parsedKeys, 'text')})`)) {
        known.set(r.parse_key, r.id);
      }
    }
    // Which files bring a parse the store does not have (the first of a batch holding a key).
    const fresh: FileWrite[] = [];
    const planned = new Set<string>();
    for (const f of files) {
      if (f.content.kind !== 'parsed' || known.has(f.contentKey) || planned.has(f.contentKey)) continue;
      planned.add(f.contentKey);
      fresh.push(f);
    }
    const nChunks = fresh.reduce((n, f) => n + (f.content.kind === 'parsed' ? f.content.parsed.chunks.length : 0), 0);
    let parseIds: number[] = [];
    let occIds: number[] = [];
    if (fresh.length) {
      const ids = await c.one(
        sql.type(z.object({ p: z.array(z.number()), c: z.array(z.number()) }))`SELECT
          ARRAY(SELECT nextval(${this.seqs.parses}::regclass) FROM generate_series(1, ${fresh.length})) AS p,
          ARRAY(SELECT nextval(${this.seqs.parseChunks}::regclass) FROM generate_series(1, ${nChunks})) AS c`,
      );
      parseIds = ids.p;
      occIds = ids.c;
    }
    const parseRows: unknown[][] = [];
    const chunkRows = new Map<string, [string, string, string]>();
    const occRows: unknown[][] = [];
    const lexPairs: [string, string][] = [];
    const symRows: unknown[][] = [];
    let occ = 0;
    fresh.forEach((f, i) => {
      if (f.content.kind !== 'parsed') return;
      const { parsed, chunkHashes, lexical } = f.content;
      const parseId = parseIds[i];
      known.set(f.contentKey, parseId);
      parseRows.push([parseId, f.contentKey, parsed.language, parsed.fallback, parsed.parseError ?? null, now]);
      parsed.chunks.forEach((chunk, ord) => {
        const hash = chunkHashes[ord];
        if (hash === undefined || hash === null) throw new Error(`chunk ${ord} of ${f.path} has no content hash`);
        if (!chunkRows.has(hash)) chunkRows.set(hash, [hash, parsed.language, chunk.text]);
        occRows.push([occIds[occ++], parseId, ord, hash, chunk.startLine, chunk.endLine, chunk.symbol, chunk.kind]);
        const lex = lexical?.[ord];
        lexPairs.push(lex ? [lex.symbol, lex.body] : [chunk.symbol ? indexText(chunk.symbol) : '', indexText(chunk.text)]);
      });
      for (const s of parsed.symbols) symRows.push([parseId, s.name, s.kind, s.container, s.startLine, s.endLine, s.nameLine, s.nameColumn, s.signature]);
    });

    let newHashes = new Set<string>();
    if (chunkRows.size) {
      // Sorted, so concurrent writers take row locks in the same order.
      const rows = [...chunkRows.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const inserted = await c.rows(
        sql.type(z.object({ hash: z.string() }))`INSERT INTO chunks (hash, language, text)
          SELECT * FROM ${sql.unnest(rows, ['text', 'text', 'text'])} ON CONFLICT (hash) DO NOTHING RETURNING hash`,
      );
      newHashes = new Set(inserted.map((r) => r.hash));
    }
    if (parseRows.length) {
      await c.exec(sql.unsafe`INSERT INTO parses (id, parse_key, language, fallback, parse_error, created_at)
        SELECT * FROM ${sql.unnest(parseRows as never[][], ['int8', 'text', 'text', 'bool', 'text', 'int8'])}`);
    }
    if (occRows.length) {
      await c.exec(sql.unsafe`INSERT INTO parse_chunks (id, parse_id, ord, chunk_hash, start_line, end_line, symbol, kind)
        SELECT * FROM ${sql.unnest(occRows as never[][], ['int8', 'int8', 'int4', 'text', 'int4', 'int4', 'text', 'text'])}`);
      const docs = lexicalDocs(lexPairs, CHUNK_LEXICON.weights);
      await c.exec(sql.unsafe`INSERT INTO lexical (id, tsv, tf, ntok, c0, c1)
        SELECT id, tsv::tsvector, tf::jsonb, ntok, c0, c1 FROM ${sql.unnest(
          docs.map((d, i) => [occRows[i][0], d.tsv, d.tf, d.ntok, d.c0, d.c1]) as never[][],
          ['int8', 'text', 'text', 'int4', 'text', 'text'],
        )} AS t(id, tsv, tf, ntok, c0, c1)`);
      const tokens = docs.reduce((n, d) => n + d.ntok, 0);
      this.rowsSinceAnalyze += docs.length;
      await c.exec(sql.unsafe`UPDATE lexical_stats SET nrow = nrow + ${docs.length}, ntok = ntok + ${tokens}, version = version + 1`);
    }
    if (symRows.length) {
      await c.exec(sql.unsafe`INSERT INTO symbols (parse_id, name, kind, container, start_line, end_line, name_line, name_col, signature)
        SELECT * FROM ${sql.unnest(symRows as never[][], ['int8', 'text', 'text', 'text', 'int4', 'int4', 'int4', 'int4', 'text'])}`);
      this.namesCache = null;
    }

    // View rows (the last write of a path wins, as it would one by one).
    const outcomes: WriteOutcome[] = [];
    const counted = new Set<string>();
    const viewRows = new Map<string, unknown[]>();
    for (const f of files) {
      const content = f.content;
      let parseId: number | null = null;
      let newChunks = 0;
      if (content.kind === 'reuse') parseId = content.parseId;
      else if (content.kind === 'parsed') {
        parseId = known.get(f.contentKey)!;
        if (fresh.includes(f)) {
          for (const h of content.chunkHashes) {
            if (newHashes.has(h) && !counted.has(h)) {
              counted.add(h);
              newChunks++;
            }
          }
        }
      }
      viewRows.set(f.path, [
        repoId,
        f.path,
        f.blob,
        f.contentKey,
        f.size,
        f.language,
        f.encoding,
        content.kind === 'skipped' ? 'skipped' : 'indexed',
        content.kind === 'skipped' ? content.reason : null,
        parseId,
        now,
      ]);
      outcomes.push({ parseId, newChunks });
    }
    await c.exec(sql.unsafe`INSERT INTO files (repo_id, path, blob, content_key, size, language, encoding, status, skip_reason, parse_id, indexed_at)
      SELECT * FROM ${sql.unnest([...viewRows.values()] as never[][], ['int8', 'text', 'text', 'text', 'int8', 'text', 'text', 'text', 'text', 'int8', 'int8'])}
      ON CONFLICT (repo_id, path) DO UPDATE SET blob = excluded.blob, content_key = excluded.content_key, size = excluded.size,
        language = excluded.language, encoding = excluded.encoding, status = excluded.status, skip_reason = excluded.skip_reason,
        parse_id = excluded.parse_id, indexed_at = excluded.indexed_at`);
    return outcomes;
  }

  async deleteFiles(repoId: number, paths: string[]): Promise<void> {
    if (!paths.length) return;
    await this.db.exec(sql.unsafe`DELETE FROM files WHERE repo_id = ${repoId} AND path = ANY(${sql.array(paths, 'text')})`);
  }

  /** The view filter on files alias `f`; without repositories, this machine's repositories. */
  viewWhere(filter: ViewFilter, alias = 'f'): Fragment {
    const a = sql.identifier([alias]);
    const clauses: Fragment[] = [];
    if (filter.repoIds?.length) clauses.push(sql.fragment`${a}.repo_id = ANY(${sql.array(filter.repoIds, 'int8')})`);
    else clauses.push(sql.fragment`${a}.repo_id IN (SELECT id FROM repos WHERE machine = ${this.machine})`);
    if (filter.languages?.length) clauses.push(sql.fragment`${a}.language = ANY(${sql.array(filter.languages, 'text')})`);
    if (filter.pathRegexes?.length) {
      clauses.push(
        sql.fragment`(${sql.join(
          filter.pathRegexes.map((re) => sql.fragment`${a}.path ~ ${re}`),
          sql.fragment` OR `,
        )})`,
      );
    }
    return sql.fragment`${sql.join(clauses, sql.fragment` AND `)}`;
  }

  /** Per lexical table: its statistics version, and the rows holding each phrase counted since. */
  private readonly phraseCounts = new Map<string, { version: number; hits: Map<string, number> }>();

  /**
   * The statistics a BM25 query needs, with the rows holding each of its phrases: counted once
   * and reused until a write moves the table's version (BM25's document frequencies are exact).
   */
  async lexicalKnown(lt: LexicalTable, match: string, extra: string[] = []): Promise<LexicalKnown> {
    const s = await this.db.one(
      sql.type(z.object({ nrow: z.number(), ntok: z.number(), version: z.number() }))`SELECT nrow, ntok, version FROM ${sql.identifier([lt.stats])}`,
    );
    let cache = this.phraseCounts.get(lt.table);
    if (!cache || cache.version !== s.version || cache.hits.size > 50_000) {
      cache = { version: s.version, hits: new Map() };
      this.phraseCounts.set(lt.table, cache);
    }
    const keys = [...new Set([...(match ? phraseKeys(match) : []), ...extra])];
    const missing = keys.filter((k) => !cache.hits.has(k));
    if (missing.length) {
      const row = (await this.db.one(phraseCountsQuery(missing, lt))) as Record<string, number>;
      missing.forEach((k, i) => cache.hits.set(k, row[`h${i}`]));
    }
    return { nrow: s.nrow, ntok: s.ntok, hits: cache.hits };
  }

  async searchLexical(q: LexicalQuery): Promise<LexicalRow[]> {
    const hits = bm25Rows(q.match, CHUNK_LEXICON, await this.lexicalKnown(CHUNK_LEXICON, q.match));
    if (!hits) return [];
    // As the SQLite store: candidates are the view's best `fetch` rows by the table-wide score,
    // joining the views only for the best `inner` matches (a common word can match most of the
    // index) unless filters leave fewer than `fetch` of them; rows tied with the last one kept are
    // kept too, so the cut never depends on the order of equal scores. Then each candidate is
    // scored with its own repository's statistics (repo-bm25.ts).
    const { fetch } = rescoreWindow(q.limit);
    const inner = Math.max(fetch * 5, 500);
    const capped = await this.lexicalRows(q, hits, fetch, inner);
    const rows = await this.withText(
      candidatesToRescore(capped.rows.length >= fetch || !capped.capHit ? capped.rows : (await this.lexicalRows(q, hits, fetch, null)).rows, q.limit),
    );
    if (!rows.length) return rows;
    const stats = await this.repoLexStats([...new Set(rows.map((r) => r.repoId))], matchPhraseKeys(parseMatch(q.match)));
    return rescoreByRepository(q.match, rows, stats).slice(0, q.limit);
  }

  /** The rows with their chunks' text (one query for all). */
  private async withText(rows: LexicalRow[]): Promise<LexicalRow[]> {
    if (!rows.length) return rows;
    const found = await this.db.rows(
      sql.type(z.object({ hash: z.string(), text: z.string() }))`SELECT hash, text FROM chunks WHERE hash = ANY(${sql.array([...new Set(rows.map((r) => r.chunkHash))], 'text')})`,
    );
    const texts = new Map(found.map((r) => [r.hash, r.text]));
    return rows.map((r) => ({ ...r, text: texts.get(r.chunkHash) ?? '' }));
  }

  /**
   * Per-repository statistics (repo-bm25.ts), counted over the repository's view and reused while
   * neither the lexical table (its version) nor the repository's view rows (count, newest write,
   * sum and sum of squares of their parse ids: the multiset of parses the statistics depend on) change.
   */
  private readonly repoStats = new Map<number, { sig: string; nrow: number; ntok: number; hits: Map<string, number> }>();

  private async repoLexStats(repoIds: number[], keys: string[]): Promise<Map<number, RepoLexStats>> {
    const sigs = await this.db.rows(
      sql.type(z.object({ repo_id: z.number(), sig: z.string() }))`SELECT f.repo_id, (SELECT version FROM lexical_stats)::text || ':' || count(*)::text || ':' || COALESCE(max(f.indexed_at), 0)::text || ':' || COALESCE(sum(f.parse_id), 0)::text || ':' || COALESCE(sum(f.parse_id::int8 * f.parse_id::int8), 0)::text AS sig
        FROM files f WHERE f.repo_id = ANY(${sql.array(repoIds, 'int4')}) GROUP BY f.repo_id`,
    );
    const sigOf = new Map(sigs.map((r) => [r.repo_id, r.sig]));
    const out = new Map<number, RepoLexStats>();
    for (const repoId of repoIds) {
      const sig = sigOf.get(repoId) ?? 'empty';
      let st = this.repoStats.get(repoId);
      if (st && (st.sig !== sig || st.hits.size > 50_000)) st = undefined;
      const missing = keys.filter((k) => !st?.hits.has(k));
      if (!st || missing.length) {
        const row = (await this.db.one(repoLexStatsQuery(missing, repoId, !st))) as Record<string, number | string>;
        st ??= { sig, nrow: Number(row.nrow), ntok: Number(row.ntok), hits: new Map() };
        missing.forEach((k, i) => st!.hits.set(k, Number(row[`h${i}`])));
        this.repoStats.set(repoId, st);
      }
      out.set(repoId, { nrow: st.nrow, ntok: st.ntok, hits: st.hits });
    }
    return out;
  }

  private async lexicalRows(q: LexicalQuery, hits: Fragment, limit: number, inner: number | null): Promise<{ rows: LexicalRow[]; capHit: boolean }> {
    const history = q.history ? sql.fragment` AND ${pgHistoryFilter(q.history, sql.fragment`pc.start_line`, sql.fragment`pc.end_line`)}` : sql.fragment``;
    const kept =
      inner === null
        ? sql.fragment`SELECT id, score FROM scored`
        : sql.fragment`SELECT id, score FROM scored WHERE score >= (SELECT min(score) FROM (SELECT score FROM scored ORDER BY score DESC LIMIT ${inner}) best)`;
    // Rank and filter on ids first; chunk text is loaded afterwards for the candidates only (withText).
    // Ties (equal BM25, e.g. the same text at two paths) are broken by place, as in the SQLite store.
    const rows = await this.queryRegex(() =>
      this.db.rows(
        sql.type(chunkRowSchema.extend({ score: z.number(), total: z.number() }))`WITH scored AS MATERIALIZED (SELECT id, score FROM ${hits} s)
        SELECT t.*, '' AS text, (SELECT count(*) FROM scored) AS total FROM (
          SELECT pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind, hits.score
          FROM (${kept}) hits
          -- One index probe per kept match (OFFSET 0 keeps the planner from hashing every chunk instead).
          CROSS JOIN LATERAL (SELECT * FROM parse_chunks pc WHERE pc.id = hits.id OFFSET 0) pc
          CROSS JOIN LATERAL (SELECT * FROM files f WHERE f.parse_id = pc.parse_id AND ${this.viewWhere(q)} OFFSET 0) f
          WHERE TRUE${history}
          ORDER BY hits.score DESC, f.path, pc.start_line, pc.end_line, f.repo_id LIMIT ${limit}
        ) t
        ORDER BY t.score DESC, t.path, t.start_line, t.end_line, t.repo_id`,
      ),
    );
    let capHit = false;
    if (inner !== null && rows.length < limit) {
      const n = rows.length
        ? rows[0].total
        : (await this.db.one(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM ${hits} s`)).n;
      capHit = n > inner;
    }
    return { rows: rows.map(({ total: _t, score, ...r }) => ({ ...toChunkRow({ ...r }), bm25: score })), capHit };
  }


  private chunkTotal: { n: number; at: number } | null = null;

  /** Rows of the lexical index holding each token (as FTS5's vocabulary counts them: exact terms, live rows). */
  async documentFrequencies(tokens: string[], repoIds?: number[]): Promise<{ total: number; df: Map<string, number> }> {
    if (repoIds?.length) {
      const terms = [...new Set(tokens)].filter((t) => fts5Tokens(t).join(' ') === t);
      return sumRepoStats(await this.repoLexStats(repoIds, terms), tokens);
    }
    if (!this.chunkTotal || Date.now() - this.chunkTotal.at > 10_000) {
      const r = await this.db.one(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM parse_chunks`);
      this.chunkTotal = { n: r.n, at: Date.now() };
    }
    // A word is a stored term only if the tokenizer keeps it as it is (else no row holds it).
    const terms = [...new Set(tokens)].filter((t) => fts5Tokens(t).join(' ') === t);
    const known = await this.lexicalKnown(CHUNK_LEXICON, '', terms);
    return { total: this.chunkTotal.n, df: new Map(tokens.map((t) => [t, known.hits.get(t) ?? 0])) };
  }

  /** A path regex PostgreSQL cannot compile is the user's glob, not a server fault. */
  private async queryRegex<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code === '2201B') {
        throw new ContextdError('bad-glob', `PostgreSQL cannot use that path filter: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  async symbolNames(): Promise<string[]> {
    if (!this.namesCache || Date.now() - this.namesCache.at > NAMES_TTL_MS) {
      const rows = await this.db.rows(sql.type(z.object({ name: z.string() }))`SELECT DISTINCT name FROM symbols`);
      this.namesCache = { names: rows.map((r) => r.name), at: Date.now() };
    }
    return this.namesCache.names;
  }

  async lookupSymbols(q: SymbolLookup): Promise<SymbolRow[]> {
    if (!q.names.length) return [];
    const conds: Fragment[] = [sql.fragment`s.name = ANY(${sql.array(q.names, 'text')})`, this.viewWhere(q)];
    if (q.history) conds.push(pgHistoryFilter(q.history, sql.fragment`s.start_line`, sql.fragment`s.end_line`));
    if (q.kinds?.length) conds.push(sql.fragment`s.kind = ANY(${sql.array(q.kinds, 'text')})`);
    const rows = await this.queryRegex(() =>
      this.db.rows(
        sql.type(symbolRow)`SELECT f.repo_id, f.path, f.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.name_line, s.name_col, s.signature
          FROM symbols s JOIN files f ON f.parse_id = s.parse_id
          WHERE ${sql.join(conds, sql.fragment` AND `)}
          ORDER BY f.repo_id, f.path, s.start_line, s.name_line, s.name_col, s.name, s.kind LIMIT ${q.limit}`,
      ),
    );
    return rows.map((r) => ({
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
    const rows = await this.db.rows(
      sql.type(chunkRowSchema)`SELECT pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind, c.text
        FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id JOIN chunks c ON c.hash = pc.chunk_hash
        WHERE f.repo_id = ${repoId} AND f.path = ${path} ORDER BY pc.ord`,
    );
    return rows.map(toChunkRow);
  }

  async stats(repoId?: number): Promise<ViewStats> {
    const where = repoId === undefined ? sql.fragment`f.repo_id IN (SELECT id FROM repos WHERE machine = ${this.machine})` : sql.fragment`f.repo_id = ${repoId}`;
    const files = await this.db.rows(
      sql.type(z.object({ status: z.string(), language: z.string().nullable(), n: z.number(), bytes: z.number().nullable() }))`
        SELECT status, language, count(*) AS n, sum(size)::int8 AS bytes FROM files f WHERE ${where} GROUP BY status, language`,
    );
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
    const counts = await this.db.one(
      sql.type(z.object({ chunks: z.number(), symbols: z.number() }))`SELECT
        (SELECT count(*) FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id WHERE ${where}) AS chunks,
        (SELECT count(*) FROM files f JOIN symbols s ON s.parse_id = f.parse_id WHERE ${where}) AS symbols`,
    );
    out.chunks = counts.chunks;
    out.symbols = counts.symbols;
    return out;
  }

  // ---- the persistent job queue ----

  async enqueue(repoId: number, paths: string[] | null, reason: string): Promise<void> {
    const list = [...new Set(paths ?? [''])];
    if (!list.length) return;
    await this.db.exec(sql.unsafe`INSERT INTO jobs (repo_id, path, seq, reason, created_at)
      SELECT ${repoId}, p, nextval('job_seq'), ${reason}, ${Date.now()}
      FROM unnest(${sql.array(list, 'text')}) WITH ORDINALITY AS t(p, o) ORDER BY o
      ON CONFLICT (repo_id, path) DO UPDATE SET seq = excluded.seq, reason = excluded.reason`);
  }

  async pendingJobs(): Promise<Map<number, number>> {
    const rows = await this.db.rows(
      sql.type(z.object({ repo_id: z.number(), n: z.number() }))`SELECT j.repo_id, count(*) AS n FROM jobs j
        JOIN repos r ON r.id = j.repo_id AND r.machine = ${this.machine} GROUP BY j.repo_id ORDER BY j.repo_id`,
    );
    return new Map(rows.map((r) => [r.repo_id, r.n]));
  }

  async takeJobs(repoId: number, max: number): Promise<JobBatch | null> {
    const jobRow = z.object({ path: z.string(), seq: z.number(), reason: z.string() });
    const full = await this.db.maybeOne(sql.type(jobRow)`SELECT path, seq, reason FROM jobs WHERE repo_id = ${repoId} AND path = ''`);
    const rows = full
      ? await this.db.rows(sql.type(jobRow)`SELECT path, seq, reason FROM jobs WHERE repo_id = ${repoId} ORDER BY path`)
      : await this.db.rows(sql.type(jobRow)`SELECT path, seq, reason FROM jobs WHERE repo_id = ${repoId} ORDER BY seq LIMIT ${max}`);
    if (!rows.length) return null;
    return {
      full: !!full,
      paths: rows.filter((r) => r.path !== '').map((r) => r.path),
      reasons: [...new Set(rows.map((r) => r.reason))],
      taken: rows.map((r) => [r.path, r.seq]),
    };
  }

  async finishJobs(repoId: number, batch: JobBatch): Promise<void> {
    if (!batch.taken.length) return;
    await this.db.exec(sql.unsafe`DELETE FROM jobs j USING unnest(${sql.array(
      batch.taken.map((t) => t[0]),
      'text',
    )}, ${sql.array(
      batch.taken.map((t) => t[1]),
      'int8',
    )}) AS t(path, seq)
      WHERE j.repo_id = ${repoId} AND j.path = t.path AND j.seq <= t.seq`);
  }

  async prune(): Promise<{ parses: number; chunks: number; commits?: number }> {
    // Another daemon may reuse a parse while we delete it; its foreign key then stops us: try again.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.tx(async (c) => {
          const parses = await c.exec(sql.unsafe`DELETE FROM parses p WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.parse_id = p.id)`);
          // Fewer live lexical rows: cached document counts are out of date (FTS5's totals stay).
          if (parses) await c.exec(sql.unsafe`UPDATE lexical_stats SET version = version + 1`);
          const chunks = await c.exec(sql.unsafe`DELETE FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM parse_chunks pc WHERE pc.chunk_hash = c.hash)`);
          if (parses) this.namesCache = null;
          const commits = await this.history.pruneCommits(c);
          return { parses, chunks, ...(commits ? { commits } : {}) };
        });
      } catch (err) {
        if ((err as { code?: string }).code !== '23503' || attempt >= 2) throw err;
      }
    }
  }

  // ---- git history (postgres-history.ts) ----

  historyState(repoId: number): Promise<HistoryState | null> {
    return this.history.historyState(repoId);
  }
  resetHistoryLog(repoId: number): Promise<void> {
    return this.history.resetHistoryLog(repoId);
  }
  addCommits(repoId: number, commits: CommitRecord[]): Promise<number> {
    return this.history.addCommits(repoId, commits);
  }
  finishLogUpdate(repoId: number, update: LogUpdate): Promise<{ alreadyStale: string[] }> {
    return this.history.finishLogUpdate(repoId, update);
  }
  commitPaths(shas: string[]): Promise<string[]> {
    return this.history.commitPaths(shas);
  }
  soleAdditions(repoId: number, paths: string[]): Promise<Map<string, string>> {
    return this.history.soleAdditions(repoId, paths);
  }
  blameWork(repoId: number, paths?: string[]): Promise<BlameWork> {
    return this.history.blameWork(repoId, paths);
  }
  writeBlames(repoId: number, files: BlameWrite[]): Promise<(string | null)[]> {
    return this.history.writeBlames(repoId, files);
  }
  deleteBlames(repoId: number, paths: string[]): Promise<void> {
    return this.history.deleteBlames(repoId, paths);
  }
  fileBlame(repoId: number, path: string): Promise<StoredBlame | null> {
    return this.history.fileBlame(repoId, path);
  }
  blameForRanges(queries: LineRangeQuery[]): Promise<RangeBlame[]> {
    return this.history.blameForRanges(queries);
  }
  searchCommitChunks(query: CommitSearchQuery): Promise<CommitChunkRow[]> {
    return this.queryRegex(() => this.history.searchCommitChunks(query));
  }
  fileCommits(repoId: number, paths: string[], limit: number): Promise<FileCommit[]> {
    return this.history.fileCommits(repoId, paths, limit);
  }
  renames(repoId: number): Promise<RenameRecord[]> {
    return this.history.renames(repoId);
  }
  coChange(repoId: number, paths: string[], maxFiles: number): Promise<CoChangeCounts> {
    return this.history.coChange(repoId, paths, maxFiles);
  }
  recentCommits(query: CommitQuery): Promise<CommitWithFiles[]> {
    return this.history.recentCommits(query);
  }
  historyStats(repoId: number): Promise<HistoryStats> {
    return this.history.historyStats(repoId);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Runs pending migrations in one transaction, under an advisory lock (daemons starting
 * together wait for the first one's migration, then find nothing to do).
 */
async function migrate(db: PgDb): Promise<void> {
  const schema = db.target.schema;
  await db.withClient(async (client, q) => {
    const raw = (text: string) => db.guard(() => client.query(text));
    await q.exec(sql.unsafe`BEGIN`);
    try {
      await q.exec(sql.unsafe`SELECT pg_advisory_xact_lock(${lockKey(`contextd-migrate\0${schema ?? ''}`)}::int8)`);
      if (schema) await q.exec(sql.unsafe`CREATE SCHEMA IF NOT EXISTS ${sql.identifier([schema])}`);
      await q.exec(sql.unsafe`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Set((await q.rows(sql.type(z.object({ version: z.number() }))`SELECT version FROM schema_migrations`)).map((r) => r.version));
      const newest = Math.max(0, ...done);
      if (newest > PG_MIGRATIONS.length) {
        throw new ContextdError(
          'store-too-new',
          `the PostgreSQL store at ${db.target.redacted} has schema version ${newest}, newer than this contextd understands (${PG_MIGRATIONS.length})`,
          { hint: 'upgrade contextd on this machine (every daemon sharing the database must run the same or a newer version)' },
        );
      }
      for (const m of PG_MIGRATIONS) {
        if (done.has(m.version)) continue;
        await raw(m.sql);
        await q.exec(sql.unsafe`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`);
      }
      await q.exec(sql.unsafe`COMMIT`);
    } catch (err) {
      if (!isConnectionError(err)) await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

/** A signed 64-bit advisory-lock key from a string (as text, for `::int8`). */
export function lockKey(identity: string): string {
  return createHash('sha1').update(identity).digest().readBigInt64BE(0).toString();
}

/**
 * PostgreSQL advisory locks: a session-level lock per repository identity, held on a
 * dedicated connection for the whole index run. A daemon that dies releases it (its
 * session ends); a lost connection releases it too (the run fails with the connection).
 */
class AdvisoryRepoLock implements RepoLock {
  readonly kind = 'postgres-advisory';

  constructor(
    private readonly db: PgDb,
    private readonly scope: string,
  ) {}

  async acquire(root: string): Promise<RepoLease | null> {
    const key = lockKey(`contextd-repo\0${this.scope}\0${root}`);
    const client: pg.PoolClient = await this.db.guard(() => this.db.pool.connect());
    try {
      const res = await this.db.guard(() => client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int8) AS ok', [key]));
      if (!res.rows[0]?.ok) {
        client.release();
        return null;
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          await client.query('SELECT pg_advisory_unlock($1::int8)', [key]);
          client.release();
        } catch (err) {
          // The session is gone, and the lock with it.
          client.release(err as Error);
        }
      },
    };
  }
}

export type { Queryable };
