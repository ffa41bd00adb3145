/**
 * PostgreSQL plumbing for the store: a `pg` pool, slonik's `sql` tag for typed
 * queries (each query names a zod row schema; rows are checked against it), and
 * transactions with savepoints. Also what a user reads when the server is away:
 * connection failures become one clear ContextdError, and a circuit breaker with
 * exponential backoff keeps a down server from stalling every request (the pool
 * opens fresh connections as soon as the server answers again).
 */
import pg from 'pg';
import { sql, type QuerySqlToken } from 'slonik';
import type { z, ZodTypeAny } from 'zod';
import { ContextdError, errorMessage } from '../errors.js';
import type { SqlPort } from './sql-port.js';

export { sql };

export interface PgTarget {
  /** What pg connects with (the `schema` parameter removed). */
  connectionString: string;
  /** The schema holding contextd's tables (search_path); null = the server's default (public). */
  schema: string | null;
  /** The URL without its password, for status output and errors. */
  redacted: string;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Reads a `postgres://` URL. Accepts `?schema=NAME` (contextd's own parameter) to keep the
 * tables in a schema of their own; a unix socket is `postgres:///db?host=/run/postgresql`.
 */
export function parsePgUrl(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ContextdError('bad-config', `the store URL ${JSON.stringify(redactUrl(url))} is not a valid URL`, {
      hint: 'use postgres://user:password@host:5432/database (or postgres:///database?host=/run/postgresql for a unix socket)',
    });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ContextdError('bad-config', `the store URL must start with postgres:// (got ${u.protocol}//)`, {
      hint: 'set [store] url or CONTEXTD_DATABASE_URL to postgres://user@host:5432/database',
    });
  }
  const schema = u.searchParams.get('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new ContextdError('bad-config', `the store URL's schema ${JSON.stringify(schema)} is not a plain identifier`, {
      hint: 'use letters, digits and _ (for example ?schema=contextd)',
    });
  }
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema, redacted: redactUrl(url) };
}

export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOENT']);

/** True for errors that mean "the server is not reachable right now" (as opposed to a bad query). */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof ContextdError) return err.code === 'store-unavailable';
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  if (CONNECTION_CODES.has(code)) return true;
  // 08xxx connection exceptions; 57P01-03 admin shutdown, crash shutdown, cannot connect now.
  if (/^08/.test(code) || code === '57P01' || code === '57P02' || code === '57P03') return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection|Client was closed|Cannot use a pool after calling end/i.test(
    e.message ?? '',
  );
}

type Row = Record<string, unknown>;

/** Runs slonik query tokens. The pool, a transaction and a savepoint all offer this. */
export interface Queryable {
  /** All rows, each checked against the query's zod schema. */
  rows<T extends ZodTypeAny>(q: QuerySqlToken<T>): Promise<z.infer<T>[]>;
  maybeOne<T extends ZodTypeAny>(q: QuerySqlToken<T>): Promise<z.infer<T> | null>;
  one<T extends ZodTypeAny>(q: QuerySqlToken<T>): Promise<z.infer<T>>;
  /** Runs a statement; returns the number of rows it affected. */
  exec(q: QuerySqlToken): Promise<number>;
  /** Plain text with `$n` placeholders (what store/sql-port's shared SQL becomes here). */
  query(text: string, values: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

export interface TxConnection extends Queryable {
  /** Runs fn inside a savepoint: its writes are undone (and the error rethrown) if it throws. */
  savepoint<T>(fn: (c: TxConnection) => Promise<T>): Promise<T>;
}

/** slonik 47 numbers its placeholders `$slonik_N`; the wire protocol wants `$N`. */
function toPgText(text: string): string {
  return text.replace(/\$slonik_(\d+)/g, (_m, n: string) => `$${n}`);
}

/** Check every row against the query's schema (tests, CONTEXTD_DEBUG), else the first row of each result. */
const CHECK_ALL_ROWS = !!process.env.CONTEXTD_DEBUG || !!process.env.TAP;

/**
 * Rows as the query's zod schema says. The schemas describe columns, not computed values, so one
 * row proves the shape of a result (a schema drift, a wrong cast); checking every row of a
 * 10,000-row result costs ~20 µs a row for nothing, so that is done under tests and debug only.
 */
function checkRows<T extends ZodTypeAny>(q: QuerySqlToken<T>, rows: Row[]): z.infer<T>[] {
  const parser = q.parser as ZodTypeAny & { _any?: boolean };
  if (parser._any) return rows as z.infer<T>[];
  const check = (r: Row) => {
    const res = parser.safeParse(r);
    if (!res.success) throw new Error(`unexpected row shape from PostgreSQL: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  };
  if (CHECK_ALL_ROWS) rows.forEach(check);
  else if (rows.length) check(rows[0]);
  return rows as z.infer<T>[];
}

type RawRunner = (text: string, values: readonly unknown[]) => Promise<{ rows: Row[]; rowCount: number | null }>;

function queryable(run: RawRunner): Queryable {
  const q: Queryable = {
    async rows(token) {
      const res = await run(toPgText(token.sql), token.values);
      return checkRows(token, res.rows);
    },
    async maybeOne(token) {
      const rows = await q.rows(token);
      if (rows.length > 1) throw new Error(`expected at most one row, got ${rows.length}`);
      return rows[0] ?? null;
    },
    async one(token) {
      const row = await q.maybeOne(token);
      if (row === null) throw new Error('expected one row, got none');
      return row;
    },
    async exec(token) {
      const res = await run(toPgText(token.sql), token.values);
      return res.rowCount ?? 0;
    },
    query: run,
  };
  return q;
}

/** Type parsers for this pool only (pg's defaults stay untouched for anyone else). */
const INT8 = 20;
const INT8_ARRAY = 1016;
const NUMERIC = 1700;
function typeParsers(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
      if (oid === INT8_ARRAY) {
        const arr = pg.types.getTypeParser(INT8_ARRAY as never, 'text') as (v: string) => (string | null)[];
        return (v: string) => arr(v).map((x) => (x === null ? null : Number(x)));
      }
      return pg.types.getTypeParser(oid as never, format ?? 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

export interface PgDbOptions {
  target: PgTarget;
  poolSize?: number;
  /** How long to wait for a connection before calling the server unreachable (ms). */
  connectTimeoutMs?: number;
  /** Called when an idle connection breaks (the server went away); for logs. */
  onIdleError?: (err: Error) => void;
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;

export class PgDb implements Queryable {
  readonly pool: pg.Pool;
  readonly target: PgTarget;
  private readonly direct: Queryable;
  /** Circuit breaker: while the server is down, fail fast until the next attempt is due. */
  private downSince: number | null = null;
  private nextAttemptAt = 0;
  private backoffMs = BACKOFF_MIN_MS;
  private lastError: string | null = null;

  constructor(opts: PgDbOptions) {
    this.target = opts.target;
    this.pool = new pg.Pool({
      connectionString: opts.target.connectionString,
      max: opts.poolSize ?? 8,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      // JIT compiles every query the planner thinks is big; for these short queries it costs
      // far more (hundreds of ms) than it saves.
      options: `-c jit=off${opts.target.schema ? ` -c search_path=${opts.target.schema}` : ''}`,
      types: typeParsers(),
      application_name: 'contextd',
    });
    // A connection dropped by the server must not crash the process: idle ones are reported on the
    // pool, checked-out ones (a transaction, a held advisory lock) on the client; the query in flight
    // fails with the error, and the pool opens a fresh connection next time.
    this.pool.on('error', (err) => opts.onIdleError?.(err));
    this.pool.on('connect', (client) => client.on('error', (err) => opts.onIdleError?.(err)));
    this.direct = queryable((text, values) => this.guard(() => this.pool.query(text, values as unknown[])));
  }

  /** The server's state as the breaker sees it. */
  get health(): { up: boolean; downSince: number | null; lastError: string | null; retryInMs: number } {
    return {
      up: this.downSince === null,
      downSince: this.downSince,
      lastError: this.lastError,
      retryInMs: this.downSince === null ? 0 : Math.max(0, this.nextAttemptAt - Date.now()),
    };
  }

  private unavailable(cause: unknown): ContextdError {
    const retry = Math.max(0, this.nextAttemptAt - Date.now());
    return new ContextdError('store-unavailable', `PostgreSQL at ${this.target.redacted} is unreachable: ${this.lastError ?? errorMessage(cause)}`, {
      hint: `start the server or fix [store] url / CONTEXTD_DATABASE_URL; contextd reconnects by itself (next attempt in ${Math.ceil(retry / 1000)} s)`,
      cause,
    });
  }

  /** Runs one server interaction through the breaker. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.downSince !== null && Date.now() < this.nextAttemptAt) throw this.unavailable(new Error(this.lastError ?? 'down'));
    try {
      const out = await fn();
      if (this.downSince !== null) {
        this.downSince = null;
        this.backoffMs = BACKOFF_MIN_MS;
        this.lastError = null;
      }
      return out;
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      if (this.downSince === null) this.downSince = Date.now();
      else this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      this.nextAttemptAt = Date.now() + this.backoffMs;
      this.lastError = errorMessage(err) || (err as { code?: string }).code || 'connection failed';
      throw this.unavailable(err);
    }
  }

  /** Lets the next call try the server at once (tests, `contextd doctor`, a health probe). */
  resetBackoff(): void {
    this.nextAttemptAt = 0;
  }

  rows<T extends ZodTypeAny>(q: QuerySqlToken<T>): Promise<z.infer<T>[]> {
    return this.direct.rows(q);
  }
  maybeOne<T extends ZodTypeAny>(q: QuerySqlToken<T>): Promise<z.infer<T> | null> {
    return this.direct.maybeOne(q);
  }
  one<T extends ZodTypeAny>(q: QuerySqlToken<T>): Promise<z.infer<T>> {
    return this.direct.one(q);
  }
  exec(q: QuerySqlToken): Promise<number> {
    return this.direct.exec(q);
  }
  query(text: string, values: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }> {
    return this.direct.query(text, values);
  }

  /** A dedicated connection for as long as fn runs (advisory locks live on one session). */
  async withClient<T>(fn: (c: pg.PoolClient, q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.guard(() => this.pool.connect());
    let broken: Error | undefined;
    try {
      const q = queryable((text, values) => this.guard(() => client.query(text, values as unknown[])));
      return await fn(client, q);
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * One transaction: committed when fn resolves, rolled back when it throws. A connection
   * lost mid-way rolls back on the server (nothing half-written) and surfaces as store-unavailable.
   */
  async tx<T>(fn: (c: TxConnection) => Promise<T>): Promise<T> {
    return this.withClient(async (client, q) => {
      await q.exec(sql.unsafe`BEGIN`);
      let sp = 0;
      const conn: TxConnection = {
        ...q,
        async savepoint<U>(inner: (c: TxConnection) => Promise<U>): Promise<U> {
          const name = sql.identifier([`sp${++sp}`]);
          await q.exec(sql.unsafe`SAVEPOINT ${name}`);
          try {
            const out = await inner(conn);
            await q.exec(sql.unsafe`RELEASE SAVEPOINT ${name}`);
            return out;
          } catch (err) {
            if (!isConnectionError(err)) await q.exec(sql.unsafe`ROLLBACK TO SAVEPOINT ${name}`);
            throw err;
          }
        },
      };
      try {
        const out = await fn(conn);
        await q.exec(sql.unsafe`COMMIT`);
        return out;
      } catch (err) {
        if (!isConnectionError(err)) {
          try {
            await client.query('ROLLBACK');
          } catch {
            // the connection is going away; the server rolls back on its own
          }
        }
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Maps an error met while opening the store to one line with the fix. */
export function openError(target: PgTarget, err: unknown): ContextdError {
  if (err instanceof ContextdError && err.code !== 'store-unavailable') return err;
  const cause = err instanceof ContextdError && err.cause ? err.cause : err;
  const e = cause as { code?: string; message?: string };
  const where = target.redacted;
  if (e.code === '28P01' || e.code === '28000') {
    return new ContextdError('store-open', `PostgreSQL at ${where} refused the credentials: ${e.message}`, {
      hint: 'fix the user/password in [store] url or CONTEXTD_DATABASE_URL (or ~/.pgpass)',
      cause,
    });
  }
  if (e.code === '3D000') {
    return new ContextdError('store-open', `PostgreSQL at ${where}: ${e.message}`, {
      hint: 'create it first (createdb NAME) or point the URL at an existing database',
      cause,
    });
  }
  if (e.code === '42501') {
    return new ContextdError('store-open', `PostgreSQL at ${where}: permission denied (${e.message})`, {
      hint: 'the user needs CREATE on the database or schema for the first start (migrations)',
      cause,
    });
  }
  if (isConnectionError(cause)) {
    return new ContextdError('store-open', `cannot reach PostgreSQL at ${where}: ${errorMessage(cause) || e.code}`, {
      hint: 'start PostgreSQL (e.g. systemctl start postgresql) or fix [store] url / CONTEXTD_DATABASE_URL; unset it to use the embedded SQLite store',
      cause,
    });
  }
  return new ContextdError('store-open', `cannot open the PostgreSQL store at ${where}: ${errorMessage(cause)}`, { cause });
}

/** `?` placeholders as `$n` (the shared SQL has no `?` inside string literals; jsonb's `?&` / `?|` stay). */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?(?![&|])/g, () => `$${++n}`);
}

/** The pool (or a transaction) as a store/sql-port `SqlPort`. */
export function pgPort(db: PgDb, on: Queryable | TxConnection = db): SqlPort {
  const port: SqlPort = {
    dialect: 'postgres',
    async all<T>(text: string, params: readonly unknown[] = []) {
      return (await on.query(numbered(text), params)).rows as T[];
    },
    async get<T>(text: string, params: readonly unknown[] = []) {
      return (await on.query(numbered(text), params)).rows[0] as T | undefined;
    },
    async run(text, params = []) {
      return (await on.query(numbered(text), params)).rowCount ?? 0;
    },
    tx<T>(fn: (c: SqlPort) => Promise<T>): Promise<T> {
      if ('savepoint' in on) return on.savepoint((s) => fn(pgPort(db, s)));
      return db.tx((c) => fn(pgPort(db, c)));
    },
    inList(expr, values, params) {
      params.push(values);
      return `${expr} = ANY(?)`;
    },
    regexOp: '~',
    lost: isConnectionError,
    idle: () => null,
  };
  return port;
}

/** A slonik fragment inside port SQL: its `$slonik_N` placeholders as `?`, values appended to params. */
export function fragmentText(f: { sql: string; values: readonly unknown[] }, params: unknown[]): string {
  return f.sql.replace(/\$slonik_(\d+)/g, (_m, n: string) => (params.push(f.values[Number(n) - 1]), '?'));
}

/** Port SQL (`?` placeholders) as a slonik fragment, for queries written with slonik; lists bound as arrays. */
export function toFragment(text: string, params: readonly unknown[]): ReturnType<typeof sql.fragment> {
  const parts = text.split(/\?(?![&|])/);
  // slonik accepts only what a template literal passes: strings with a frozen `raw`.
  const strings = Object.freeze(Object.assign([...parts], { raw: Object.freeze([...parts]) })) as unknown as TemplateStringsArray;
  const values = params.map((v) => (Array.isArray(v) ? sql.array(v as never[], typeof v[0] === 'number' ? 'int8' : 'text') : v));
  return sql.fragment(strings, ...(values as never[]));
}
