/**
 * The code graph's rows, for both backends (SqlPort): per parse, its uses and imports
 * (graph-codec.ts) and the names it uses (graph_names, the index every query starts from),
 * written with the parse in the index batch's transaction and read through a repository's
 * view. Resolution is not stored: it is computed at query time from these facts
 * (daemon/graph/), so an edit never leaves a stale edge behind.
 */
import type { CodePattern, PatternTag, RefKind } from '../lang/types.js';
import { decodeBases, decodeImports, decodeUses, encodeBases, encodeImports, encodeUses } from './graph-codec.js';
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';
import { SYMBOL_COLS, toSymbol, type Row } from './tables.js';
import type { GraphFileFacts, GraphPatternRow, GraphImportRow, GraphPendingFile, GraphRefRow, GraphStore, GraphWrite, SymbolRow } from './types.js';

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
    const uses = encodeUses(graph.refs);
    // Imported names are looked up too (an alias's file is found by the name it imports).
    for (const i of graph.imports) if (i.name && i.name !== '*' && !uses.has(i.name)) uses.set(i.name, '[]');
    parses.push([parseId, version, graph.pkg, encodeImports(graph.imports), encodeBases(graph.refs), JSON.stringify(graph.patterns ?? [])]);
    for (const [n, u] of uses) names.push([n, parseId, u]);
  }
  await insert(c, 'graph_parses', ['parse_id', 'version', 'pkg', 'imports', 'bases', 'patterns'], parses);
  await insert(c, 'graph_names', ['name', 'parse_id', 'uses'], names);
}

type UseRow = { path: string; language: string; name: string; uses: string };

const toRefs = (rows: UseRow[], keep: (r: GraphRefRow) => boolean = () => true): GraphRefRow[] => {
  const out: GraphRefRow[] = [];
  for (const row of rows) {
    for (const u of decodeUses(row.name, row.uses)) {
      const ref: GraphRefRow = { path: row.path, language: row.language, ...u };
      if (keep(ref)) out.push(ref);
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column));
};

export class SqlGraph implements GraphStore {
  constructor(private readonly port: SqlPort) {}

  async refsNamed(repoId: number, names: string[]): Promise<GraphRefRow[]> {
    if (!names.length) return [];
    const params: unknown[] = [];
    const inNames = this.port.inList('n.name', [...new Set(names)], params);
    params.push(repoId);
    const rows = await this.port.all<UseRow>(
      `SELECT f.path, f.language, n.name, n.uses FROM graph_names n JOIN files f ON f.parse_id = n.parse_id
       WHERE ${inNames} AND f.repo_id = ?`,
      params,
    );
    return toRefs(rows);
  }

  async refsIn(repoId: number, paths: string[], opts: { kind?: RefKind; lines?: { start: number; end: number } } = {}): Promise<GraphRefRow[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<UseRow>(
      `SELECT f.path, f.language, n.name, n.uses FROM files f JOIN graph_names n ON n.parse_id = f.parse_id
       WHERE f.repo_id = ? AND ${this.port.inList('f.path', paths, params)}`,
      params,
    );
    const { kind, lines } = opts;
    return toRefs(rows, (r) => (!kind || r.kind === kind) && (!lines || (r.line >= lines.start && r.line <= lines.end)));
  }

  async factsOf(repoId: number, paths: string[]): Promise<GraphFileFacts[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    const rows = await this.port.all<{ path: string; pkg: string | null; imports: string; bases: string }>(
      `SELECT f.path, g.pkg, g.imports, g.bases FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id
       WHERE f.repo_id = ? AND ${this.port.inList('f.path', paths, params)}`,
      params,
    );
    return rows.map((r) => ({ path: r.path, pkg: r.pkg, imports: decodeImports(r.imports).map((i) => ({ path: r.path, ...i })), bases: decodeBases(r.bases) }));
  }

  async patternsIn(repoId: number, opts: { paths?: string[]; tag?: PatternTag } = {}): Promise<GraphPatternRow[]> {
    const params: unknown[] = [repoId];
    const only = opts.paths ? ` AND ${this.port.inList('f.path', opts.paths, params)}` : '';
    if (opts.paths && !opts.paths.length) return [];
    const rows = await this.port.all<{ path: string; language: string; patterns: string }>(
      `SELECT f.path, f.language, g.patterns FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id
       WHERE f.repo_id = ? AND g.patterns <> '[]'${only} ORDER BY f.path`,
      params,
    );
    const out: GraphPatternRow[] = [];
    for (const r of rows)
      for (const p of JSON.parse(r.patterns) as CodePattern[]) if (!opts.tag || p.tag === opts.tag) out.push({ path: r.path, language: r.language, ...p });
    return out;
  }

  async basesIn(repoId: number, paths: string[]): Promise<Map<string, Record<string, string[]>>> {
    const out = new Map<string, Record<string, string[]>>();
    if (!paths.length) return out;
    const params: unknown[] = [repoId];
    const rows = await this.port.all<{ path: string; bases: string }>(
      `SELECT f.path, g.bases FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id
       WHERE f.repo_id = ? AND ${this.port.inList('f.path', paths, params)}`,
      params,
    );
    for (const r of rows) out.set(r.path, decodeBases(r.bases));
    return out;
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
    const files = await this.port.all<{ imports: string }>('SELECT g.imports FROM files f JOIN graph_parses g ON g.parse_id = f.parse_id WHERE f.repo_id = ?', [
      repoId,
    ]);
    const uses = await this.port.all<{ uses: string }>('SELECT n.uses FROM files f JOIN graph_names n ON n.parse_id = f.parse_id WHERE f.repo_id = ?', [
      repoId,
    ]);
    let refs = 0;
    for (const u of uses) refs += (JSON.parse(u.uses) as unknown[]).length;
    const imports = files.reduce((n, r) => n + (JSON.parse(r.imports) as unknown[]).length, 0);
    return { files: files.length, refs, imports };
  }
}
