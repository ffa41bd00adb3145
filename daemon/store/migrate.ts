/**
 * `contextd migrate`: copies an index between the SQLite and PostgreSQL stores without
 * parsing or embedding anything again. Every table declared in tables.ts is copied by one
 * table-driven copier (keyset pages, ids remapped through the declared references); the
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
import { ContextdError } from '../errors.js';
import { indexText } from '../search/tokenize.js';
import { pgPort, redactUrl } from './pg-db.js';
import { COMMIT_LEXICON, CHUNK_LEXICON, insertLexical } from './postgres-lexical.js';
import { PostgresStore } from './postgres-store.js';
import { batchesFor, sqlitePort, valuesList, type SqlPort } from './sql-port.js';
import { SqliteStore } from './sqlite-store.js';
import { TABLES, type Row, type TableDecl } from './tables.js';

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

interface FtsStats {
  nrow: number;
  ntok: number;
}

/**
 * One end of a migration: its connection as a SqlPort (rows are read and written through the
 * table declarations in tables.ts), and the few things only its engine knows.
 */
interface Side {
  readonly label: string;
  readonly port: SqlPort;
  /** The settings key of the marker an interrupted migration leaves. */
  readonly markerKey: string;
  /** Columns this engine holds beyond the shared ones, computed from the row. */
  readonly extra: Record<string, Record<string, (r: Row) => unknown>>;
  /** The condition that limits reading a table to this machine's rows, or null. */
  scope(decl: TableDecl, params: unknown[]): string | null;
  /** Indexes the new rows of parse_chunks (with their chunk text) or commits in the lexical index: (id, column 0, column 1 text). */
  lexical(c: SqlPort, table: 'parse_chunks' | 'commits', rows: { id: number; text: [string, string] }[]): Promise<void>;
  /** After a table was copied (PostgreSQL moves the job sequence past the copied seqs). */
  afterTable?(table: string): Promise<void>;
  ftsStats(): Promise<{ chunks: FtsStats; commits: FtsStats }>;
  /** Whether this machine's index is present, and how many lexical rows the target holds. */
  state(): Promise<{ hasIndex: boolean; lexicalRows: number; commitLexRows: number }>;
  /** Removes this machine's index (and, for SQLite, everything). */
  clear(): Promise<void>;
  /**
   * Carries FTS5's statistics over: into an index that was empty, the source's (rows and tokens
   * ever inserted, deleted ones included); into a shared one, inserts already added their own.
   */
  setFtsStats(kind: 'chunks' | 'commits', source: FtsStats, wasEmpty: boolean): Promise<void>;
  close(): Promise<void>;
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

function sqliteSide(path: string): Side {
  const store = new SqliteStore(path);
  const db = store.raw;
  const count = (table: string) => db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;
  return {
    label: path,
    port: sqlitePort(db),
    markerKey: MARKER,
    extra: {},
    scope: () => null,
    async lexical(c, table, rows) {
      const fts =
        table === 'commits' ? 'INSERT INTO commit_fts (rowid, subject, body) VALUES (?, ?, ?)' : 'INSERT INTO chunk_fts (rowid, symbol, body) VALUES (?, ?, ?)';
      for (const r of rows) await c.run(fts, [r.id, ...r.text]);
    },
    async ftsStats() {
      return { chunks: readAverages(db, 'chunk_fts'), commits: readAverages(db, 'commit_fts') };
    },
    async state() {
      return { hasIndex: count('repos') + count('parses') > 0, lexicalRows: count('parse_chunks'), commitLexRows: count('commits') };
    },
    async clear() {
      db.transaction(() => {
        for (const t of [...TABLES].reverse()) db.prepare(`DELETE FROM ${t.name}`).run();
        // 'delete-all' also resets FTS5's statistics.
        db.prepare("INSERT INTO chunk_fts (chunk_fts) VALUES ('delete-all')").run();
        db.prepare("INSERT INTO commit_fts (commit_fts) VALUES ('delete-all')").run();
      })();
    },
    async setFtsStats(kind, target, wasEmpty) {
      if (!wasEmpty) return;
      // FTS5 counts rows and tokens ever inserted. To carry the source's over, insert the
      // difference as rows of a placeholder token and delete them at once (their postings are
      // tombstoned: no query ever sees them; the averages keep them, as they kept the source's).
      const fts = kind === 'chunks' ? 'chunk_fts' : 'commit_fts';
      const now = readAverages(db, fts);
      const rows = target.nrow - now.nrow;
      const tokens = target.ntok - now.ntok;
      if (rows <= 0) return;
      const ins = db.prepare(`INSERT INTO ${fts} (rowid, ${kind === 'chunks' ? 'symbol, body' : 'subject, body'}) VALUES (?, '', ?)`);
      const del = db.prepare(`DELETE FROM ${fts} WHERE rowid = ?`);
      db.transaction(() => {
        for (let i = 0; i < rows; i++) {
          const n = i === 0 ? Math.max(0, tokens) : 0;
          ins.run(-1 - i, n ? 'contextdpad '.repeat(n) : '');
        }
        for (let i = 0; i < rows; i++) del.run(-1 - i);
      })();
    },
    close: () => store.close(),
  };
}

// ---- PostgreSQL ----

async function pgSide(url: string, machine: string): Promise<Side> {
  const store = await PostgresStore.open({ url, machine });
  const db = store.db;
  const port = pgPort(db);
  return {
    label: store.location,
    port,
    markerKey: `${MARKER}:${machine}`,
    // Repositories belong to a machine; author matching reads lowercased copies.
    extra: {
      repos: { machine: () => machine },
      commits: { author_lc: (r) => (r.author_name as string).toLowerCase(), email_lc: (r) => (r.author_email as string).toLowerCase() },
    },
    scope(decl, params) {
      if (decl.name !== 'repos' && !decl.perRepo) return null;
      params.push(machine);
      return decl.name === 'repos' ? 'machine = ?' : 'repo_id IN (SELECT id FROM repos WHERE machine = ?)';
    },
    lexical: (c, table, rows) => insertLexical(c, table === 'commits' ? COMMIT_LEXICON : CHUNK_LEXICON, rows),
    async afterTable(table) {
      if (table === 'jobs') await port.run("SELECT setval('job_seq', GREATEST((SELECT max(seq) FROM jobs), (SELECT last_value FROM job_seq)))");
    },
    async ftsStats() {
      const one = async (t: string) => (await port.get<FtsStats>(`SELECT nrow, ntok FROM ${t}`))!;
      return { chunks: await one('lexical_stats'), commits: await one('commit_lex_stats') };
    },
    async state() {
      const r = (await port.get<{ repos: number; lex: number; clex: number }>(
        'SELECT (SELECT count(*) FROM repos WHERE machine = ?) AS repos, (SELECT count(*) FROM lexical) AS lex, (SELECT count(*) FROM commit_lex) AS clex',
        [machine],
      ))!;
      return { hasIndex: r.repos > 0, lexicalRows: r.lex, commitLexRows: r.clex };
    },
    async clear() {
      // Only this machine's repositories (their views, jobs, blame, history links go with them);
      // shared content stays for the other daemons, and for this copy to reuse.
      await port.run('DELETE FROM repos WHERE machine = ?', [machine]);
    },
    async setFtsStats(kind, source, wasEmpty) {
      if (!wasEmpty) return;
      await port.run(
        `UPDATE ${kind === 'chunks' ? 'lexical_stats' : 'commit_lex_stats'} SET nrow = GREATEST(nrow, ?), ntok = GREATEST(ntok, ?), version = version + 1`,
        [source.nrow, source.ntok],
      );
    },
    close: () => store.close(),
  };
}

// ---- the copier: every declared table, the same way ----

/** A table's rows in key order, in pages; `range` keeps those whose column lies in [lo, hi]. */
async function* readRows(side: Side, decl: TableDecl, range?: { col: string; lo: number; hi: number }): AsyncGenerator<Row[]> {
  const cols = [...new Set([...Object.keys(decl.cols), ...decl.key])];
  const base: unknown[] = [];
  const conds = [side.scope(decl, base), decl.where ?? null].filter((c): c is string => c !== null);
  if (range) {
    conds.push(`${range.col} BETWEEN ? AND ?`);
    base.push(range.lo, range.hi);
  }
  let last: unknown[] | null = null;
  for (;;) {
    const all: string[] = last ? [...conds, `(${decl.key.join(', ')}) > (${decl.key.map(() => '?').join(', ')})`] : conds;
    const where: string = all.length ? ` WHERE ${all.join(' AND ')}` : '';
    const rows: Row[] = await side.port.all<Row>(`SELECT ${cols.join(', ')} FROM ${decl.name}${where} ORDER BY ${decl.key.join(', ')} LIMIT ${BATCH}`, [
      ...base,
      ...(last ?? []),
    ]);
    if (!rows.length) return;
    yield rows;
    const end: Row = rows[rows.length - 1];
    last = decl.key.map((k) => end[k]);
    if (rows.length < BATCH) return;
  }
}

/** Old id -> new id, per table that allocates ids. */
type IdMaps = Map<string, Map<number, number>>;

/** The rows with their references remapped; rows whose reference was not copied are left out. */
function remap(decl: TableDecl, rows: Row[], ids: IdMaps): Row[] {
  const out: Row[] = [];
  next: for (const r of rows) {
    const copy = { ...r };
    for (const [col, table] of Object.entries(decl.refs ?? {})) {
      if (r[col] === null) continue;
      const id = ids.get(table)?.get(r[col] as number);
      if (id === undefined) {
        // A file whose parse was not copied keeps no parse; anything else goes with its reference.
        if (decl.name === 'files' && col === 'parse_id') copy[col] = null;
        else continue next;
      } else copy[col] = id;
    }
    out.push(copy);
  }
  return out;
}

/**
 * Inserts rows (content the target already holds is kept). For a table that allocates ids,
 * records old -> new ids (rows still carry their source id) and returns the old ids of rows new in the target.
 */
async function insertRows(target: Side, c: SqlPort, decl: TableDecl, rows: Row[], ids: IdMaps): Promise<{ inserted: number; fresh: Set<number> }> {
  const extra = target.extra[decl.name] ?? {};
  const id = decl.id;
  const cols = [...Object.keys(decl.cols).filter((k) => k !== id?.col), ...Object.keys(extra)];
  const fresh = new Set<number>();
  let inserted = 0;
  const map = id ? (ids.get(decl.name) ?? ids.set(decl.name, new Map()).get(decl.name)!) : null;
  const natural = (r: Row) => id!.natural.map((k) => String(r[k])).join('\0');
  for (const part of batchesFor(rows, cols.length)) {
    const params: unknown[] = [];
    const values = valuesList(
      part.map((r) => cols.map((k) => (k in extra ? extra[k](r) : r[k]))),
      params,
    );
    const sql = `INSERT INTO ${decl.name} (${cols.join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING`;
    if (!id || !map) {
      inserted += await c.run(sql, params);
      continue;
    }
    const got = new Map((await c.all<Row>(`${sql} RETURNING ${[id.col, ...id.natural].join(', ')}`, params)).map((r) => [natural(r), r[id.col] as number]));
    inserted += got.size;
    const isNew = new Set(got.keys());
    const reused = part.filter((r) => !isNew.has(natural(r)));
    if (reused.length) {
      // Shared content already in the target (its one natural column: parse_key, sha).
      const key = id.natural[0];
      const p: unknown[] = [];
      const where = c.inList(
        key,
        reused.map((r) => r[key] as string),
        p,
      );
      for (const r of await c.all<Row>(`SELECT ${id.col}, ${key} FROM ${decl.name} WHERE ${where}`, p)) got.set(natural(r), r[id.col] as number);
    }
    for (const r of part) {
      map.set(r[id.col] as number, got.get(natural(r))!);
      if (isNew.has(natural(r))) fresh.add(r[id.col] as number);
    }
  }
  if (map && (decl.name === 'parse_chunks' || decl.name === 'commits')) {
    await lexicalRows(
      target,
      c,
      decl.name,
      rows.filter((r) => fresh.has(r.id as number)).map((r) => ({ ...r, id: map.get(r.id as number) })),
    );
  }
  return { inserted, fresh };
}

/** The new rows of parse_chunks / commits into the target's lexical index, under their new ids. */
async function lexicalRows(target: Side, c: SqlPort, table: 'parse_chunks' | 'commits', made: Row[]): Promise<void> {
  if (!made.length) return;
  if (table === 'parse_chunks') {
    const p: unknown[] = [];
    const where = c.inList('hash', [...new Set(made.map((r) => r.chunk_hash as string))], p);
    const texts = new Map((await c.all<Row>(`SELECT hash, text FROM chunks WHERE ${where}`, p)).map((r) => [r.hash, r.text]));
    for (const r of made) r.text = texts.get(r.chunk_hash) ?? '';
  }
  // The same text the stores index when they write: identifier-split symbol / subject and body.
  const text = (r: Row): [string, string] =>
    table === 'commits'
      ? [indexText(r.subject as string), indexText(r.body as string)]
      : [r.symbol ? indexText(r.symbol as string) : '', indexText(r.text as string)];
  await target.lexical(
    c,
    table,
    made.map((r) => ({ id: r.id as number, text: text(r) })),
  );
}

async function openSide(ref: StoreRef, machine: string): Promise<Side> {
  return ref.kind === 'sqlite' ? sqliteSide(ref.path) : pgSide(ref.url, machine);
}

function describe(ref: StoreRef): string {
  return ref.kind === 'sqlite' ? `sqlite:${ref.path}` : redactUrl(ref.url);
}

async function marker(side: Side): Promise<string | null> {
  return (await side.port.get<{ value: string }>('SELECT value FROM embed_settings WHERE key = ?', [side.markerKey]))?.value ?? null;
}

async function setMarker(side: Side, value: string | null): Promise<void> {
  if (value === null) await side.port.run('DELETE FROM embed_settings WHERE key = ?', [side.markerKey]);
  else
    await side.port.run('INSERT INTO embed_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      side.markerKey,
      value,
    ]);
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
    const left = await marker(target);
    let replaced = false;
    if (state.hasIndex || left) {
      if (!left && !opts.force) {
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
      empty = (JSON.parse(left ?? '') as { empty: { chunks: boolean; commits: boolean } }).empty;
      if (typeof empty?.chunks !== 'boolean') throw new Error('old marker');
    } catch {
      const after = await target.state();
      empty = { chunks: after.lexicalRows === 0, commits: after.commitLexRows === 0 };
    }
    await setMarker(target, JSON.stringify({ from: describe(opts.from), startedAt: Date.now(), empty }));
    const summary = await copy(source, target, opts, empty);
    await setMarker(target, null);
    if (opts.dataDir) rmSync(join(opts.dataDir, 'vectors'), { recursive: true, force: true });
    return { from: describe(opts.from), to: describe(opts.to), ...summary, replaced, durationMs: Math.round(performance.now() - t0) };
  } finally {
    await target?.close();
    await source.close();
  }
}

/** Tables whose rows may already be in a shared target (counted as reused when they are). */
const REUSED = { parses: 'parses', commits: 'commits', chunk_vectors: 'vectors' } as const;

async function copy(
  source: Side,
  target: Side,
  opts: MigrateOptions,
  empty: { chunks: boolean; commits: boolean },
): Promise<{ tables: Record<string, number>; reused: MigrateSummary['reused'] }> {
  const tables: Record<string, number> = Object.fromEntries(TABLES.map((t) => [t.name, 0]));
  const reused = { parses: 0, commits: 0, vectors: 0 };
  const ids: IdMaps = new Map();
  let batches = 0;
  for (const decl of TABLES) {
    if (decl.parent) continue;
    const children = TABLES.filter((t) => t.parent?.table === decl.name);
    for await (const rows of readRows(source, decl)) {
      // A parse lands with its occurrences (and lexical rows) and symbols, a commit with its files,
      // in one transaction: an interrupted copy never leaves one without them (a re-run reuses it).
      const range = (col: string) => ({ col, lo: rows[0].id as number, hi: rows[rows.length - 1].id as number });
      const kids = await Promise.all(children.map(async (child) => ({ child, rows: await collect(readRows(source, child, range(child.parent!.col))) })));
      const mine = remap(decl, rows, ids);
      const out = await target.port.tx(async (c) => {
        const res = await insertRows(target, c, decl, mine, ids);
        for (const kid of kids) {
          const own = remap(
            kid.child,
            kid.rows.filter((r) => res.fresh.has(r[kid.child.parent!.col] as number)),
            ids,
          );
          if (own.length) await insertRows(target, c, kid.child, own, ids);
          tables[kid.child.name] += own.length;
        }
        return res;
      });
      if (decl.name in REUSED) reused[REUSED[decl.name as keyof typeof REUSED]] += mine.length - (decl.id ? out.fresh.size : out.inserted);
      tables[decl.name] += decl.name === 'chunk_vectors' ? out.inserted : mine.length;
      opts.onProgress?.(decl.name, tables[decl.name]);
      if (opts.stopAfterBatches !== undefined && ++batches >= opts.stopAfterBatches) {
        throw new ContextdError('migration-interrupted', `stopped after ${batches} batches (as asked)`);
      }
    }
    await target.afterTable?.(decl.name);
  }
  const stats = await source.ftsStats();
  await target.setFtsStats('chunks', stats.chunks, empty.chunks);
  await target.setFtsStats('commits', stats.commits, empty.commits);
  return { tables, reused };
}

async function collect<T>(gen: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const rows of gen) out.push(...rows);
  return out;
}
