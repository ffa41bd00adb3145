/**
 * The SQL both backends understand, behind one small async interface: `?` placeholders,
 * lists bound as one parameter, transactions (savepoints inside one). Code written against
 * `SqlPort` (the job queue, repositories, the migration copier, the history) runs unchanged
 * on SQLite and PostgreSQL; what only one engine can say stays in that backend's module.
 */
import type { Database as Db } from 'better-sqlite3';

export type SqlValue = string | number | boolean | null | Buffer;

export interface SqlPort {
  readonly dialect: 'sqlite' | 'postgres';
  all<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  get<T>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
  /** fn in one transaction (a savepoint when already inside one): all its writes or none. */
  tx<T>(fn: (c: SqlPort) => Promise<T>): Promise<T>;
  /** `expr IN <values>` with the list bound as one parameter (pushed onto params). */
  inList(expr: string, values: readonly (string | number)[], params: unknown[]): string;
  /** The operator matching a JavaScript-compatible regular expression (`path ~ ?`). */
  readonly regexOp: string;
  /** The connection is gone (redoing the work piece by piece is pointless). */
  lost(err: unknown): boolean;
  /**
   * The running transaction of this port, or null: direct users of the connection wait with
   * `while (port.idle()) await port.idle();` right before their statements (SQLite; null on PostgreSQL).
   */
  idle(): Promise<void> | null;
}

/** Rows per multi-row INSERT so that both engines' parameter limits (32766 / 65535) hold. */
export function batchesFor<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(30_000 / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row VALUES list, its parameters appended to params. */
export function valuesList(rows: readonly (readonly unknown[])[], params: unknown[]): string {
  return rows.map((r) => (params.push(...r), `(${r.map(() => '?').join(', ')})`)).join(', ');
}

const ports = new WeakMap<Db, SqlPort>();

/** The SQLite connection as a port (one per connection: its users share the transaction lock). */
export function sqlitePort(db: Db): SqlPort {
  let port = ports.get(db);
  if (!port) ports.set(db, (port = makeSqlitePort(db)));
  return port;
}

/** better-sqlite3 binds 1/0, not booleans. */
function makeSqlitePort(db: Db): SqlPort {
  const bind = (params: readonly unknown[]) => params.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  // Every statement resolves at once, but a transaction body awaits between them: other callers
  // of this port wait for it (they would otherwise run inside it), as they waited for the
  // synchronous transactions before. The check and what follows it run without an await in
  // between (an await there would let another transaction begin first).
  let running: Promise<void> | null = null;
  let savepoints = 0;
  const make = (inTx: boolean): SqlPort => {
    const port: SqlPort = {
      dialect: 'sqlite',
      async all<T>(text: string, params: readonly unknown[] = []) {
        while (!inTx && running) await running;
        return db.prepare(text).all(...bind(params)) as T[];
      },
      async get<T>(text: string, params: readonly unknown[] = []) {
        while (!inTx && running) await running;
        return db.prepare(text).get(...bind(params)) as T | undefined;
      },
      async run(text, params = []) {
        while (!inTx && running) await running;
        const stmt = db.prepare(text);
        if (stmt.reader) return stmt.all(...bind(params)).length;
        return stmt.run(...bind(params)).changes;
      },
      async tx<T>(fn: (c: SqlPort) => Promise<T>): Promise<T> {
        if (inTx) {
          const name = `port_sp${++savepoints}`;
          db.exec(`SAVEPOINT ${name}`);
          try {
            const out = await fn(port);
            db.exec(`RELEASE ${name}`);
            return out;
          } catch (err) {
            db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
            throw err;
          }
        }
        while (running) await running;
        let done!: () => void;
        running = new Promise((r) => (done = r));
        try {
          db.exec('BEGIN');
          const out = await fn(inside);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        } finally {
          running = null;
          done();
        }
      },
      inList(expr, values, params) {
        // Short lists as placeholders (the planner sees them), long ones as one JSON array.
        if (values.length > 500) return (params.push(JSON.stringify(values)), `${expr} IN (SELECT value FROM json_each(?))`);
        params.push(...values);
        return values.length ? `${expr} IN (${values.map(() => '?').join(', ')})` : 'FALSE';
      },
      regexOp: 'REGEXP',
      lost: () => false,
      idle: () => (inTx ? null : running),
    };
    return port;
  };
  const inside = make(true);
  return make(false);
}

/**
 * Binds the methods of each part onto target, where target does not define them itself: a
 * backend's store is the shared concern implementations plus what only it does, without a
 * forwarding method per call. (The class declares the parts' interfaces to the type checker.)
 */
export function delegate(target: object, ...parts: object[]): void {
  for (const part of parts) {
    for (let proto = Object.getPrototypeOf(part); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const fn = (part as Record<string, unknown>)[name];
        if (name === 'constructor' || name in target || typeof fn !== 'function') continue;
        Object.defineProperty(target, name, { value: fn.bind(part), writable: true, configurable: true });
      }
    }
  }
}
