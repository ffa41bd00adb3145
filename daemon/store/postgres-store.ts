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
import { indexText } from '../search/tokenize.js';
import { fragmentText, isConnectionError, openError, parsePgUrl, PgDb, pgPort, sql, toFragment, type PgTarget, type Queryable } from './pg-db.js';
import { fts5Tokens } from './fts-tokens.js';
import {
  bm25Rows,
  CHUNK_LEXICON,
  COMMIT_LEXICON,
  insertLexical,
  phraseCountsQuery,
  phraseKeys,
  repoLexStatsQuery,
  type LexicalKnown,
  type LexicalTable,
} from './postgres-lexical.js';
import { sumRepoStats, type RepoLexStats } from './repo-bm25.js';
import { PG_MIGRATIONS } from './postgres-schema.js';
import { historyFilterSql, SqlHistory, type CommitLexicon, type ViewSql } from './history-store.js';
import { SqlJobQueue } from './job-queue.js';
import { rescoredLexicalSearch, SqlChunkReads } from './chunk-reads.js';
import { SqlRepos, viewSql } from './repos.js';
import { SqlLocateStore } from './locate-store.js';
import type { LocateStore } from './locate-types.js';
import { delegate, type SqlPort } from './sql-port.js';
import { SqlGraph } from './graph-store.js';
import { SqlSearchLog } from './search-log.js';
import { SqlChunkWriter, type ChunkLexicon } from './chunk-writes.js';
import { CHUNK_COLS, toChunkRow, type RepoPatch, type Row } from './tables.js';
import { SqlEmbeddingStore } from './vectors.js';
import type { RepoLease, RepoLock } from './repo-lock.js';
import type { ChunkStore, GraphStore, HistoryStore, JobQueue, LexicalQuery, LexicalRow, MetadataStore, RepoStore, StoreHealth, ViewFilter } from './types.js';

type Fragment = ReturnType<typeof sql.fragment>;

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

/** How long the symbol-name list is served from memory (other daemons may add names). */
const NAMES_TTL_MS = 10_000;

/** A path regex PostgreSQL cannot compile is the user's glob, not a server fault. */
function regexError(err: unknown): unknown {
  if ((err as { code?: string }).code === '2201B') return new ContextdError('bad-glob', `PostgreSQL cannot use that path filter: ${(err as Error).message}`);
  return err;
}

/** The concerns' shared implementations (repos.ts, job-queue.ts, history-store.ts, chunk-reads.ts), bound onto the store. */
export interface PostgresStore
  extends RepoStore, JobQueue, HistoryStore, GraphStore, LocateStore, Pick<ChunkStore, 'lookupSymbols' | 'fileChunks' | 'writeFile' | 'writeFiles'> {}

export class PostgresStore implements MetadataStore {
  readonly backend = 'postgres';
  readonly location: string;
  readonly machine: string;
  readonly repoLock: RepoLock;
  private readonly port: SqlPort;
  private readonly view: ViewSql;
  private readonly history: SqlHistory;
  private readonly repos: SqlRepos;
  private namesCache: { names: string[]; at: number } | null = null;
  private vectors: SqlEmbeddingStore | null = null;

  private constructor(
    readonly db: PgDb,
    opts: PostgresStoreOptions,
  ) {
    this.location = db.target.redacted;
    this.machine = opts.machine;
    this.repoLock = new AdvisoryRepoLock(db, `${db.target.schema ?? ''}\0${opts.machine}`);
    this.port = pgPort(db);
    const scope = { col: 'machine', value: opts.machine };
    this.view = viewSql(this.port, scope);
    const lex = this.commitLexicon();
    this.history = new SqlHistory(this.port, this.view, lex);
    this.repos = new SqlRepos(this.port, scope);
    const nextSeqs = async (n: number) =>
      (await this.port.all<{ s: number }>("SELECT nextval('job_seq') AS s FROM generate_series(1, ?)", [n])).map((r) => Number(r.s));
    const chunkLexicon: ChunkLexicon = {
      add: async (c, rows) => {
        await insertLexical(c, CHUNK_LEXICON, rows);
        this.rowsSinceAnalyze += rows.length;
      },
    };
    delegate(
      this,
      this.repos,
      new SqlJobQueue(this.port, scope, nextSeqs),
      this.history,
      new SqlChunkReads(this.port, this.view, lex, regexError),
      new SqlLocateStore(this.port),
      new SqlChunkWriter(this.port, chunkLexicon, () => (this.namesCache = null)),
      new SqlGraph(this.port),
    );
  }

  /** Commit messages ranked as FTS5 would (postgres-lexical.ts); authors matched on lowercased copies. */
  private commitLexicon(): CommitLexicon {
    return {
      add: async (c, rows) => {
        await insertLexical(
          c,
          COMMIT_LEXICON,
          rows.map((r) => ({ id: r.id, text: [indexText(r.subject), indexText(r.body)] })),
        );
      },
      remove: async (c, ids) => {
        // Fewer live message rows: cached document counts are out of date (FTS5's totals stay).
        const params: unknown[] = [];
        await c.run(`DELETE FROM commit_lex WHERE ${c.inList('id', ids, params)}`, params);
        await c.run('UPDATE commit_lex_stats SET version = version + 1');
      },
      matches: async (match, params) => {
        const scored = bm25Rows(match, COMMIT_LEXICON, await this.lexicalKnown(COMMIT_LEXICON, match));
        return scored && fragmentText(scored, params);
      },
      author: (alias, needle, params) => {
        params.push(needle.toLowerCase(), needle.toLowerCase());
        return `(strpos(${alias}.author_lc, ?) > 0 OR strpos(${alias}.email_lc, ?) > 0)`;
      },
      extra: (m) => ({ author_lc: m.authorName.toLowerCase(), email_lc: m.authorEmail.toLowerCase() }),
      fixedJoin: 'JOIN',
      queryError: regexError,
    };
  }

  /** Connects, creates the schema if asked for one, runs pending migrations. */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const target: PgTarget = parsePgUrl(opts.url);
    const db = new PgDb({ target, poolSize: opts.poolSize, connectTimeoutMs: opts.connectTimeoutMs, onIdleError: opts.onConnectionError });
    try {
      await migrate(db);
      return new PostgresStore(db, opts);
    } catch (err) {
      await db.close().catch(() => {});
      throw openError(target, err);
    }
  }

  /** The embedding store on the same database (vectors shared by every daemon using it). */
  embeddings(): SqlEmbeddingStore {
    if (!this.vectors) this.vectors = new SqlEmbeddingStore(this.port, this.view, 'postgres');
    return this.vectors;
  }

  /** This machine's search history on the same database (search-log.ts). */
  searchLog(): SqlSearchLog {
    return new SqlSearchLog(this.port, this.machine);
  }

  async health(): Promise<StoreHealth> {
    const t0 = performance.now();
    this.db.resetBackoff();
    try {
      const r = await this.db.one(sql.type(z.object({ v: z.string() }))`SELECT current_setting('server_version') AS v`);
      return {
        healthy: true,
        backend: this.backend,
        location: this.location,
        version: `PostgreSQL ${r.v}`,
        latencyMs: Math.round((performance.now() - t0) * 10) / 10,
      };
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

  // ---- repositories (repos.ts), and what a bulk load leaves to do ----

  async updateRepo(id: number, patch: RepoPatch): Promise<void> {
    await this.repos.updateRepo(id, patch);
    // The end of a full index run: after a bulk load, VACUUM (ANALYZE) now rather than whenever
    // autovacuum gets to it. It refreshes the planner's statistics (stale ones make search plans
    // join every chunk), moves the GIN indexes' pending entries into the index proper, and marks
    // pages all-visible (so counting a token's rows need not visit them).
    if (patch.indexedCommit !== undefined && this.rowsSinceAnalyze >= 1000) {
      this.rowsSinceAnalyze = 0;
      await this.db
        .exec(
          sql.unsafe`VACUUM (ANALYZE) files, parses, parse_chunks, lexical, symbols, chunks, commits, commit_lex, commit_files, repo_commits, blame_files, blame_ranges`,
        )
        .catch(() => {});
    }
  }

  /** Lexical rows written since the last VACUUM (ANALYZE) (see updateRepo). */
  private rowsSinceAnalyze = 0;

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

  /** The view filter as a slonik fragment (the lexical SQL is written with slonik). */
  private viewWhere(filter: ViewFilter, alias = 'f'): Fragment {
    const params: unknown[] = [];
    return toFragment(this.view.where(filter, params, alias), params);
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
    // Rows tied with the last one kept are kept too (lexicalRows), so the cut never depends on the order of equal scores.
    return rescoredLexicalSearch(
      this.port,
      q,
      (limit, inner) => this.lexicalRows(q, hits, limit, inner),
      (ids, keys) => this.repoLexStats(ids, keys),
    );
  }

  /**
   * Per-repository statistics (repo-bm25.ts), counted over the repository's view and reused while
   * neither the lexical table (its version) nor the repository's view rows (count, newest write,
   * sum and sum of squares of their parse ids: the multiset of parses the statistics depend on) change.
   */
  private readonly repoStats = new Map<number, { sig: string; nrow: number; ntok: number; hits: Map<string, number> }>();

  private async repoLexStats(repoIds: number[], keys: string[]): Promise<Map<number, RepoLexStats>> {
    const sigs = await this.db.rows(
      sql.type(
        z.object({ repo_id: z.number(), sig: z.string() }),
      )`SELECT f.repo_id, (SELECT version FROM lexical_stats)::text || ':' || count(*)::text || ':' || COALESCE(max(f.indexed_at), 0)::text || ':' || COALESCE(sum(f.parse_id), 0)::text || ':' || COALESCE(sum(f.parse_id::int8 * f.parse_id::int8), 0)::text AS sig
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
    const hp: unknown[] = [];
    const history = q.history
      ? toFragment(` AND ${historyFilterSql(this.commitLexicon(), q.history, hp, 'pc.start_line', 'pc.end_line')}`, hp)
      : sql.fragment``;
    const kept =
      inner === null
        ? sql.fragment`SELECT id, score FROM scored`
        : sql.fragment`SELECT id, score FROM scored WHERE score >= (SELECT min(score) FROM (SELECT score FROM scored ORDER BY score DESC LIMIT ${inner}) best)`;
    // Rank and filter on ids first; chunk text is loaded afterwards for the candidates only (withText).
    // Ties (equal BM25, e.g. the same text at two paths) are broken by place, as in the SQLite store.
    const rows: Row[] = await this.queryRegex(() =>
      this.db.rows(
        sql.unsafe`WITH scored AS MATERIALIZED (SELECT id, score FROM ${hits} s)
        SELECT t.*, '' AS text, (SELECT count(*) FROM scored) AS total FROM (
          SELECT ${toFragment(CHUNK_COLS, [])}, hits.score
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
      const n = rows.length ? (rows[0].total as number) : (await this.db.one(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM ${hits} s`)).n;
      capHit = n > inner;
    }
    return { rows: rows.map((r) => ({ ...toChunkRow(r), bm25: r.score as number })), capHit };
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

  private async queryRegex<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw regexError(err);
    }
  }

  async symbolNames(): Promise<string[]> {
    if (!this.namesCache || Date.now() - this.namesCache.at > NAMES_TTL_MS) {
      const rows = await this.db.rows(sql.type(z.object({ name: z.string() }))`SELECT DISTINCT name FROM symbols`);
      this.namesCache = { names: rows.map((r) => r.name), at: Date.now() };
    }
    return this.namesCache.names;
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
          const commits = await this.history.pruneCommits(pgPort(this.db, c));
          return { parses, chunks, ...(commits ? { commits } : {}) };
        });
      } catch (err) {
        if ((err as { code?: string }).code !== '23503' || attempt >= 2) throw err;
      }
    }
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
