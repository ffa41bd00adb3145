/**
 * The code graph's rows, for both backends (SqlPort): refs and imports per parse (written with
 * the parse, in the index batch's transaction), read through a repository's view. Resolution
 * is not stored: it is computed at query time from these facts (daemon/graph/), so an edit
 * never leaves a stale edge behind.
 */
import type { RefKind } from '../lang/types.js';
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';
import { SYMBOL_COLS, toSymbol, type Row } from './tables.js';
import type { GraphImportRow, GraphPendingFile, GraphRefRow, GraphStore, GraphWrite, SymbolRow } from './types.js';

const REF_COLS = ['parse_id', 'name', 'line', 'col', 'kind', 'enclosing', 'qualifier'];
const IMPORT_COLS = ['parse_id', 'local_name', 'module', 'name', 'line'];
const REF_SELECT = 'f.path, f.language, r.name, r.line, r.col, r.kind, r.enclosing, r.qualifier';

type RefDbRow = Omit<GraphRefRow, 'column'> & { col: number };
const toRef = (r: RefDbRow): GraphRefRow => ({
  path: r.path,
  language: r.language,
  name: r.name,
  line: r.line,
  column: r.col,
  kind: r.kind,
  enclosing: r.enclosing,
  qualifier: r.qualifier,
});
type ImportDbRow = { path: string; local_name: string; module: string; name: string | null; line: number };
const toImport = (r: ImportDbRow): GraphImportRow => ({ path: r.path, local: r.local_name, module: r.module, name: r.name, line: r.line });

async function insert(c: SqlPort, table: string, cols: string[], rows: unknown[][]): Promise<void> {
  for (const part of batchesFor(rows, cols.length)) {
    const params: unknown[] = [];
    await c.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${valuesList(part, params)}`, params);
  }
}

/**
 * Writes the facts of new parses inside the caller's transaction (the index batch's, so a
 * file's graph is stored with its parse or not at all). Facts already there are replaced.
 */
export async function insertGraphs(c: SqlPort, rows: GraphWrite[], version: number): Promise<void> {
  if (!rows.length) return;
  const ids = rows.map((r) => r.parseId);
  for (const table of ['graph_refs', 'graph_imports', 'graph_parses']) {
    const params: unknown[] = [];
    await c.run(`DELETE FROM ${table} WHERE ${c.inList('parse_id', ids, params)}`, params);
  }
  const refs: unknown[][] = [];
  const imports: unknown[][] = [];
  for (const { parseId, graph } of rows) {
    for (const r of graph.refs) refs.push([parseId, r.name, r.line, r.column, r.kind, r.enclosing, r.qualifier]);
    for (const i of graph.imports) imports.push([parseId, i.local, i.module, i.name, i.line]);
  }
  await insert(
    c,
    'graph_parses',
    ['parse_id', 'version', 'pkg'],
    rows.map((r) => [r.parseId, version, r.graph.pkg]),
  );
  await insert(c, 'graph_refs', REF_COLS, refs);
  await insert(c, 'graph_imports', IMPORT_COLS, imports);
}

export class SqlGraph implements GraphStore {
  constructor(private readonly port: SqlPort) {}

  async refsNamed(repoId: number, names: string[]): Promise<GraphRefRow[]> {
    if (!names.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<RefDbRow>(
      `SELECT ${REF_SELECT} FROM graph_refs r JOIN files f ON f.parse_id = r.parse_id
       WHERE f.repo_id = ? AND ${this.port.inList('r.name', names, params)}
       ORDER BY f.path, r.line, r.col`,
      params,
    );
    return rows.map(toRef);
  }

  async refsIn(repoId: number, paths: string[], opts: { kind?: RefKind; lines?: { start: number; end: number } } = {}): Promise<GraphRefRow[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    const conds = ['f.repo_id = ?', this.port.inList('f.path', paths, params)];
    if (opts.kind) {
      conds.push('r.kind = ?');
      params.push(opts.kind);
    }
    if (opts.lines) {
      conds.push('r.line BETWEEN ? AND ?');
      params.push(opts.lines.start, opts.lines.end);
    }
    const rows = await this.port.all<RefDbRow>(
      `SELECT ${REF_SELECT} FROM files f JOIN graph_refs r ON r.parse_id = f.parse_id
       WHERE ${conds.join(' AND ')} ORDER BY f.path, r.line, r.col`,
      params,
    );
    return rows.map(toRef);
  }

  async symbolsIn(repoId: number, paths: string[]): Promise<SymbolRow[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<Row>(
      `SELECT ${SYMBOL_COLS} FROM files f JOIN symbols s ON s.parse_id = f.parse_id
       WHERE f.repo_id = ? AND ${this.port.inList('f.path', paths, params)} ORDER BY f.path, s.start_line, s.name_line, s.name_col`,
      params,
    );
    return rows.map(toSymbol);
  }

  async importsOf(repoId: number, paths: string[]): Promise<GraphImportRow[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<ImportDbRow>(
      `SELECT f.path, i.local_name, i.module, i.name, i.line FROM files f JOIN graph_imports i ON i.parse_id = f.parse_id
       WHERE f.repo_id = ? AND ${this.port.inList('f.path', paths, params)} ORDER BY f.path, i.line, i.id`,
      params,
    );
    return rows.map(toImport);
  }

  async importersOf(repoId: number, names: string[]): Promise<GraphImportRow[]> {
    if (!names.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<ImportDbRow>(
      `SELECT f.path, i.local_name, i.module, i.name, i.line FROM files f JOIN graph_imports i ON i.parse_id = f.parse_id
       WHERE f.repo_id = ? AND (${this.port.inList('i.name', names, params)} OR i.name IS NULL OR i.name = '*') ORDER BY f.path, i.line, i.id`,
      params,
    );
    return rows.map(toImport);
  }

  async packagesOf(repoId: number, paths: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!paths.length) return out;
    const params: unknown[] = [repoId];
    const rows = await this.port.all<{ path: string; pkg: string }>(
      `SELECT f.path, g.pkg FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id
       WHERE f.repo_id = ? AND g.pkg IS NOT NULL AND ${this.port.inList('f.path', paths, params)}`,
      params,
    );
    for (const r of rows) out.set(r.path, r.pkg);
    return out;
  }

  async graphPending(repoId: number, version: number, languages: readonly string[], limit: number): Promise<GraphPendingFile[]> {
    if (!languages.length) return [];
    const params: unknown[] = [version, repoId];
    const langs = this.port.inList('f.language', [...languages], params);
    params.push(limit);
    const rows = await this.port.all<{ path: string; blob: string; language: string; parse_id: number }>(
      `SELECT f.path, f.blob, f.language, f.parse_id FROM files f
       LEFT JOIN graph_parses g ON g.parse_id = f.parse_id AND g.version = ?
       WHERE f.repo_id = ? AND f.status = 'indexed' AND f.parse_id IS NOT NULL AND g.parse_id IS NULL AND ${langs}
       ORDER BY f.path LIMIT ?`,
      params,
    );
    return rows.map((r) => ({ path: r.path, blob: r.blob, language: r.language, parseId: r.parse_id }));
  }

  async writeGraphs(rows: GraphWrite[], version: number): Promise<void> {
    if (rows.length) await this.port.tx((c) => insertGraphs(c, rows, version));
  }

  async graphStats(repoId: number): Promise<{ files: number; refs: number; imports: number }> {
    const row = await this.port.get<{ files: number; refs: number; imports: number }>(
      `SELECT COUNT(*) AS files,
         COALESCE(SUM((SELECT COUNT(*) FROM graph_refs r WHERE r.parse_id = g.parse_id)), 0) AS refs,
         COALESCE(SUM((SELECT COUNT(*) FROM graph_imports i WHERE i.parse_id = g.parse_id)), 0) AS imports
       FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id WHERE f.repo_id = ?`,
      [repoId],
    );
    return { files: Number(row?.files ?? 0), refs: Number(row?.refs ?? 0), imports: Number(row?.imports ?? 0) };
  }
}
