/**
 * The code graph's rows, for both backends (SqlPort): per parse, its uses and imports
 * (graph-codec.ts) and the names it uses (graph_names, the index every query starts from),
 * written with the parse in the index batch's transaction and read through a repository's
 * view. Resolution is not stored: it is computed at query time from these facts
 * (daemon/graph/), so an edit never leaves a stale edge behind.
 */
import { enclosingByLine } from '../lang/graph/extract-graph.js';
import type { RefKind } from '../lang/types.js';
import { decodeImports, decodeRefs, encodeImports, encodeRefs } from './graph-codec.js';
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';
import { SYMBOL_COLS, toSymbol, type Row } from './tables.js';
import type { GraphImportRow, GraphPendingFile, GraphRefRow, GraphStore, GraphWrite, SymbolRow } from './types.js';

async function insert(c: SqlPort, table: string, cols: string[], rows: unknown[][]): Promise<void> {
  for (const part of batchesFor(rows, cols.length)) {
    const params: unknown[] = [];
    await c.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${valuesList(part, params)}`, params);
  }
}

/**
 * Writes the facts of parses inside the caller's transaction (the index batch's, so a file's
 * graph is stored with its parse or not at all). Facts already there are replaced.
 */
export async function insertGraphs(c: SqlPort, rows: GraphWrite[], version: number): Promise<void> {
  if (!rows.length) return;
  const params: unknown[] = [];
  // graph_names rows go with their graph_parses row (cascade).
  await c.run(
    `DELETE FROM graph_parses WHERE ${c.inList(
      'parse_id',
      rows.map((r) => r.parseId),
      params,
    )}`,
    params,
  );
  const parses: unknown[][] = [];
  const names: unknown[][] = [];
  for (const { parseId, graph } of rows) {
    const refs = encodeRefs(graph.refs);
    // Imported names are looked up too (an alias's file is found by the name it imports).
    const all = new Set([...refs.names, ...graph.imports.flatMap((i) => (i.name && i.name !== '*' ? [i.name] : []))]);
    parses.push([parseId, version, graph.pkg, refs.text, encodeImports(graph.imports)]);
    for (const n of all) names.push([n, parseId]);
  }
  await insert(c, 'graph_parses', ['parse_id', 'version', 'pkg', 'refs', 'imports'], parses);
  await insert(c, 'graph_names', ['name', 'parse_id'], names);
}

type FactRow = { path: string; language: string; parse_id: number; refs: string };

export class SqlGraph implements GraphStore {
  constructor(private readonly port: SqlPort) {}

  /** The enclosing symbol of each line of these parses, from their symbols. */
  private async enclosing(parseIds: number[]): Promise<Map<number, (string | null)[]>> {
    const out = new Map<number, (string | null)[]>();
    if (!parseIds.length) return out;
    const params: unknown[] = [];
    const rows = await this.port.all<{ parse_id: number; name: string; container: string | null; kind: string; start_line: number; end_line: number }>(
      `SELECT parse_id, name, container, kind, start_line, end_line FROM symbols WHERE ${this.port.inList('parse_id', parseIds, params)}`,
      params,
    );
    const by = new Map<number, { name: string; container: string | null; kind: never; startLine: number; endLine: number }[]>();
    for (const r of rows) {
      const list = by.get(r.parse_id) ?? [];
      list.push({ name: r.name, container: r.container, kind: r.kind as never, startLine: r.start_line, endLine: r.end_line });
      by.set(r.parse_id, list);
    }
    for (const id of parseIds) {
      const syms = by.get(id) ?? [];
      out.set(id, enclosingByLine(syms, Math.max(0, ...syms.map((s) => s.endLine))));
    }
    return out;
  }

  private async toRefs(rows: FactRow[], names: ReadonlySet<string> | null, keep: (r: GraphRefRow) => boolean = () => true): Promise<GraphRefRow[]> {
    const enclosing = await this.enclosing([...new Set(rows.map((r) => r.parse_id))]);
    const out: GraphRefRow[] = [];
    for (const row of rows) {
      const lines = enclosing.get(row.parse_id) ?? [];
      for (const u of decodeRefs(row.refs, names)) {
        const ref: GraphRefRow = { path: row.path, language: row.language, ...u, enclosing: lines[u.line] ?? null };
        if (keep(ref)) out.push(ref);
      }
    }
    return out;
  }

  async refsNamed(repoId: number, names: string[]): Promise<GraphRefRow[]> {
    if (!names.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<FactRow>(
      `SELECT f.path, f.language, f.parse_id, g.refs FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id
       WHERE f.repo_id = ? AND f.parse_id IN (SELECT n.parse_id FROM graph_names n WHERE ${this.port.inList('n.name', [...new Set(names)], params)})
       ORDER BY f.path`,
      params,
    );
    return this.toRefs(rows, new Set(names));
  }

  async refsIn(repoId: number, paths: string[], opts: { kind?: RefKind; lines?: { start: number; end: number } } = {}): Promise<GraphRefRow[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<FactRow>(
      `SELECT f.path, f.language, f.parse_id, g.refs FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id
       WHERE f.repo_id = ? AND ${this.port.inList('f.path', paths, params)} ORDER BY f.path`,
      params,
    );
    const { kind, lines } = opts;
    return this.toRefs(rows, null, (r) => (!kind || r.kind === kind) && (!lines || (r.line >= lines.start && r.line <= lines.end)));
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

  private async imports(where: string, params: unknown[]): Promise<GraphImportRow[]> {
    const rows = await this.port.all<{ path: string; imports: string }>(
      `SELECT f.path, g.imports FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id WHERE ${where} ORDER BY f.path`,
      params,
    );
    return rows.flatMap((r) => decodeImports(r.imports).map((i) => ({ path: r.path, ...i })));
  }

  async importsOf(repoId: number, paths: string[]): Promise<GraphImportRow[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    return this.imports(`f.repo_id = ? AND ${this.port.inList('f.path', paths, params)}`, params);
  }

  async importersOf(repoId: number, names: string[]): Promise<GraphImportRow[]> {
    if (!names.length) return [];
    const params: unknown[] = [repoId];
    const wanted = new Set(names);
    const rows = await this.imports(
      `f.repo_id = ? AND f.parse_id IN (SELECT n.parse_id FROM graph_names n WHERE ${this.port.inList('n.name', [...wanted], params)})`,
      params,
    );
    return rows.filter((i) => i.name !== null && wanted.has(i.name));
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
    const rows = await this.port.all<{ refs: string; imports: string }>(
      'SELECT g.refs, g.imports FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id WHERE f.repo_id = ?',
      [repoId],
    );
    let refs = 0;
    let imports = 0;
    for (const r of rows) {
      for (const uses of Object.values(JSON.parse(r.refs) as Record<string, unknown[]>)) refs += uses.length;
      imports += (JSON.parse(r.imports) as unknown[]).length;
    }
    return { files: rows.length, refs, imports };
  }
}
