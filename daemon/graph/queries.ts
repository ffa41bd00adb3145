/**
 * The graph queries over one repository's view: references of a definition, callers (to a
 * depth), callees, implementations, and what a position or a name means. Facts come from
 * the store (per blob); resolution (resolve.ts) runs here at query time, so every answer
 * matches the view as indexed now.
 */
import { ContextdError } from '../errors.js';
import type { RefKind } from '../lang/types.js';
import type { GraphImportRow, GraphRefRow, MetadataStore, SymbolRow } from '../store/types.js';
import { confidence, isMember, ResolveContext, symbolPath, type FileFacts } from './resolve.js';
import type { CallNode, GraphDefinition, RefSite } from './types.js';

export type GraphSource = Pick<MetadataStore, 'refsNamed' | 'refsIn' | 'factsOf' | 'symbolsIn' | 'lookupSymbols' | 'listFiles'>;

/** Below this a candidate is not listed unless the caller asks for less (tuned on bench/graph-bench.ts's dev split). */
export const DEFAULT_MIN_CONFIDENCE = 0.4;
const MAX_DEFS = 5000;
/** A use through a re-exported alias counts a little less than a direct one (one more hop to be wrong on). */
const REEXPORT_WEIGHT = 0.95;
/** At most this many definitions are expanded per level of a caller/callee walk. */
const MAX_FRONTIER = 100;
/** Kinds that hold code worth following (a changed import line is not a changed definition; impact.ts too). */
export const DEFINITION_KINDS = new Set([
  'function',
  'method',
  'constructor',
  'class',
  'interface',
  'struct',
  'enum',
  'trait',
  'type',
  'variable',
  'constant',
  'field',
  'property',
  'macro',
]);

export function toDefinition(s: SymbolRow): GraphDefinition {
  return {
    path: s.path,
    line: s.nameLine,
    column: s.nameColumn + 1,
    startLine: s.startLine,
    endLine: s.endLine,
    name: s.name,
    kind: s.kind,
    symbol: symbolPath(s),
    language: s.language,
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

export class GraphQueries {
  private paths: Set<string> | null = null;

  constructor(
    private readonly source: GraphSource,
    readonly repoId: number,
    /** The view's indexed paths, when the caller keeps them between queries (the Engine does, per index run). */
    private readonly knownPaths?: () => Promise<Set<string>>,
  ) {}

  private async viewPaths(): Promise<Set<string>> {
    this.paths ??= this.knownPaths
      ? await this.knownPaths()
      : new Set([...(await this.source.listFiles(this.repoId)).values()].filter((f) => f.status === 'indexed').map((f) => f.path));
    return this.paths;
  }

  /** The definitions of one file of the view, in file order. */
  definitionsIn(path: string): Promise<SymbolRow[]> {
    return this.source.symbolsIn(this.repoId, [path]);
  }

  /** What `file:line[:col]` or a (dotted) symbol name means: the definitions it names. */
  async resolveTarget(target: string): Promise<SymbolRow[]> {
    const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(target);
    if (m && (await this.viewPaths()).has(m[1])) return this.definitionsAt(m[1], Number(m[2]), m[3] ? Number(m[3]) : null);
    const parts = target.split(/\.|::|#/).filter(Boolean);
    const name = parts.at(-1);
    if (!name) throw new ContextdError('bad-argument', `not a symbol or file:line: ${target}`);
    const container = parts.slice(0, -1).join('.');
    const defs = await this.source.lookupSymbols({ names: [name], repoIds: [this.repoId], limit: MAX_DEFS });
    return defs.filter((d) => DEFINITION_KINDS.has(d.kind) && (!container || d.container === container || (d.container ?? '').endsWith('.' + container)));
  }

  /**
   * The definitions at a position: one named there, else (with a column) the use under the cursor
   * resolved (a call site means what it calls), else the innermost definition around the line.
   * Column is 1-based.
   */
  async definitionsAt(path: string, line: number, column: number | null): Promise<SymbolRow[]> {
    const symbols = await this.source.symbolsIn(this.repoId, [path]);
    const own = symbols.filter((s) => s.nameLine === line && (column === null || (column - 1 >= s.nameColumn && column - 1 < s.nameColumn + s.name.length)));
    if (own.length) return own;
    // Only a column names a use: `file:line` alone means the definition around that line.
    const uses = column === null ? [] : await this.source.refsIn(this.repoId, [path], { lines: { start: line, end: line } });
    const hit = uses.find((r) => column !== null && column - 1 >= r.column && column - 1 < r.column + r.name.length);
    if (hit) {
      const resolved = await this.resolveUse(hit);
      if (resolved.length) return resolved.map((r) => r.def);
    }
    const around = symbols.filter((s) => s.startLine <= line && line <= s.endLine && DEFINITION_KINDS.has(s.kind));
    around.sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine));
    return around.slice(0, 1);
  }

  /** The definitions a use may mean, best first (at least DEFAULT_MIN_CONFIDENCE, or the single best). */
  async resolveUse(ref: GraphRefRow, min = DEFAULT_MIN_CONFIDENCE): Promise<{ def: SymbolRow; confidence: number }[]> {
    const defs = (await this.source.lookupSymbols({ names: [ref.name], repoIds: [this.repoId], limit: MAX_DEFS })).filter((d) => DEFINITION_KINDS.has(d.kind));
    if (!defs.length) return [];
    const ctx = await this.context([ref.path, ...defs.map((d) => d.path)], defs, [ref.name]);
    const scored = defs.map((def) => ({ def, confidence: round(confidence(ref, def, ctx)) })).sort((a, b) => b.confidence - a.confidence);
    const kept = scored.filter((s) => s.confidence >= min);
    return kept.length ? kept : scored[0].confidence > 0 ? [scored[0]] : [];
  }

  /** Every use of the definitions, scored; sites at or above `min`, in (path, line, column) order. */
  async refs(defs: SymbolRow[], opts: { min?: number; kinds?: RefKind[] } = {}): Promise<RefSite[]> {
    const min = opts.min ?? DEFAULT_MIN_CONFIDENCE;
    if (!defs.length) return [];
    const names = [...new Set(defs.map((d) => d.name))];
    const rows = await this.source.refsNamed(this.repoId, names);
    const allDefs = await this.source.lookupSymbols({ names, repoIds: [this.repoId], limit: MAX_DEFS });
    const ctx = await this.context([...rows.map((r) => r.path), ...defs.map((d) => d.path)], allDefs, names);
    // Aliased imports (`import { f as g }`, `from m import f as g`): uses of the alias in the importing files count too.
    const importing = new Set(rows.filter((r) => r.kind === 'import').map((r) => r.path));
    const aliases = [...importing].flatMap((p) =>
      (ctx.files.get(p)?.imports ?? []).filter((i) => i.name && names.includes(i.name) && i.local !== i.name && i.local !== '*'),
    );
    const aliasNames = [...new Set(aliases.map((a) => a.local))];
    const aliasFiles = new Set(aliases.map((a) => a.path));
    // A module that re-exports under another name (`export { _f as f } from './impl'`) is reached
    // by that name from other files (`mod.f()`, `import { f } from './mod'`): those uses mean the
    // alias binding of that module, scored as if it were a definition there.
    const reexported: SymbolRow[] = [];
    const aliasRows = aliasNames.length ? await this.source.refsNamed(this.repoId, aliasNames) : [];
    for (const a of aliases) {
      const of = defs.find((d) => d.name === a.name);
      if (of && this.reexports(ctx, a.path)) reexported.push({ ...of, path: a.path, name: a.local, container: null, nameLine: a.line, nameColumn: -1 });
    }
    const viaReexport = aliasRows.filter((r) => !aliasFiles.has(r.path) && reexported.some((v) => v.name === r.name));
    if (viaReexport.length)
      await this.extendContext(
        ctx,
        viaReexport.map((r) => r.path),
      );
    rows.push(...aliasRows.filter((r) => aliasFiles.has(r.path)), ...viaReexport);
    const best = new Map<string, RefSite>();
    for (const r of rows) {
      if (opts.kinds && !opts.kinds.includes(r.kind)) continue;
      const alias = aliases.find((a) => a.path === r.path && a.local === r.name);
      let c = 0;
      for (const d of defs) {
        if (r.path === d.path && r.line === d.nameLine && r.column === d.nameColumn) continue;
        if (r.name !== d.name && !(alias && alias.name === d.name)) continue;
        c = Math.max(c, confidence(r, d, ctx));
      }
      for (const v of reexported) if (r.name === v.name && r.path !== v.path) c = Math.max(c, REEXPORT_WEIGHT * confidence(r, v, ctx));
      if (c < min || c === 0) continue;
      const key = `${r.path}\0${r.line}\0${r.column}`;
      const prev = best.get(key);
      if (!prev || prev.confidence < c)
        best.set(key, { path: r.path, line: r.line, column: r.column + 1, kind: r.kind, symbol: r.enclosing, confidence: round(c) });
    }
    return [...best.values()];
  }

  /** Who calls the definitions, to `depth` calls away; each node's confidence is the product along its path. */
  async callers(defs: SymbolRow[], depth = 1, min = DEFAULT_MIN_CONFIDENCE): Promise<CallNode[]> {
    const out = new Map<string, CallNode>();
    let frontier: { def: SymbolRow; conf: number }[] = defs.map((def) => ({ def, conf: 1 }));
    const seen = new Set(defs.map((d) => `${d.path}\0${symbolPath(d)}`));
    for (let level = 1; level <= depth && frontier.length; level++) {
      const next: { def: SymbolRow; conf: number }[] = [];
      for (const { def, conf } of frontier.slice(0, MAX_FRONTIER)) {
        const sites = await this.refs([def], { min, kinds: ['call'] });
        const bySymbol = new Map<string, RefSite[]>();
        for (const s of sites) {
          const k = `${s.path}\0${s.symbol ?? ''}`;
          bySymbol.set(k, [...(bySymbol.get(k) ?? []), s]);
        }
        const symbols = await this.source.symbolsIn(this.repoId, [...new Set(sites.map((s) => s.path))]);
        for (const [k, group] of bySymbol) {
          const [path, symbol] = k.split('\0');
          const c = round(conf * Math.max(...group.map((g) => g.confidence)));
          if (c < min) continue;
          const callerDef = symbol ? symbols.find((s) => s.path === path && symbolPath(s) === symbol) : undefined;
          const prev = out.get(k);
          if (prev && prev.confidence >= c) continue;
          out.set(k, {
            symbol: symbol || null,
            path,
            line: callerDef?.nameLine ?? group[0].line,
            kind: callerDef?.kind ?? 'module',
            confidence: c,
            depth: level,
            sites: group.map((g) => g.line),
            via: symbolPath(def),
          });
          if (callerDef && !seen.has(k)) {
            seen.add(k);
            next.push({ def: callerDef, conf: c });
          }
        }
      }
      frontier = next;
    }
    return [...out.values()].sort(
      (a, b) => a.depth - b.depth || b.confidence - a.confidence || a.path.localeCompare(b.path) || (a.symbol ?? '').localeCompare(b.symbol ?? ''),
    );
  }

  /** What the definitions call, to `depth` calls away (resolved calls only: a library call has no definition here). */
  async callees(defs: SymbolRow[], depth = 1, min = DEFAULT_MIN_CONFIDENCE): Promise<CallNode[]> {
    const out = new Map<string, CallNode>();
    let frontier = defs.map((def) => ({ def, conf: 1 }));
    const seen = new Set(defs.map((d) => `${d.path}\0${symbolPath(d)}`));
    for (let level = 1; level <= depth && frontier.length; level++) {
      const next: { def: SymbolRow; conf: number }[] = [];
      for (const { def, conf } of frontier.slice(0, MAX_FRONTIER)) {
        const own = symbolPath(def);
        const calls = (await this.source.refsIn(this.repoId, [def.path], { kind: 'call', lines: { start: def.startLine, end: def.endLine } })).filter(
          (r) => r.enclosing === own || (r.enclosing ?? '').startsWith(own + '.'),
        );
        const names = [...new Set(calls.map((c) => c.name))];
        const cands = (await this.source.lookupSymbols({ names, repoIds: [this.repoId], limit: MAX_DEFS })).filter((d) => DEFINITION_KINDS.has(d.kind));
        const ctx = await this.context([def.path, ...cands.map((d) => d.path)], cands, names);
        for (const call of calls) {
          for (const cand of cands) {
            if (cand.name !== call.name) continue;
            const c = round(conf * confidence(call, cand, ctx));
            if (c < min) continue;
            const k = `${cand.path}\0${symbolPath(cand)}`;
            const prev = out.get(k);
            if (prev) {
              if (!prev.sites.includes(call.line)) prev.sites.push(call.line);
              if (prev.confidence >= c) continue;
            }
            out.set(k, {
              symbol: symbolPath(cand),
              path: cand.path,
              line: cand.nameLine,
              kind: cand.kind,
              confidence: c,
              depth: level,
              sites: prev?.sites ?? [call.line],
              via: own,
            });
            if (!seen.has(k)) {
              seen.add(k);
              next.push({ def: cand, conf: c });
            }
          }
        }
      }
      frontier = next;
    }
    return [...out.values()].sort((a, b) => a.depth - b.depth || b.confidence - a.confidence || a.path.localeCompare(b.path));
  }

  /** Classes deriving from a class/interface, or overrides of a method in those classes. */
  async implementations(defs: SymbolRow[], min = DEFAULT_MIN_CONFIDENCE): Promise<SymbolRow[]> {
    const out: SymbolRow[] = [];
    for (const def of defs) {
      const cls = isMember(def) && def.container ? await this.resolveTarget(def.container) : [def];
      const sites = await this.refs(cls, { min, kinds: ['inherit'] });
      const subclasses = new Set(sites.map((s) => `${s.path}\0${s.symbol ?? ''}`));
      const paths = [...new Set(sites.map((s) => s.path))];
      const symbols = await this.source.symbolsIn(this.repoId, paths);
      for (const s of symbols) {
        const k = isMember(def) ? `${s.path}\0${s.container ?? ''}` : `${s.path}\0${symbolPath(s)}`;
        if (subclasses.has(k) && (!isMember(def) || s.name === def.name)) out.push(s);
      }
    }
    return out;
  }

  /** Facts of more files into a context already built. */
  private async extendContext(ctx: ResolveContext, paths: string[]): Promise<void> {
    const fresh = [...new Set(paths)].filter((p) => !ctx.files.has(p));
    for (const p of fresh) ctx.files.set(p, { imports: [], pkg: null, bases: new Map() });
    for (const f of await this.source.factsOf(this.repoId, fresh))
      ctx.files.set(f.path, { imports: f.imports, pkg: f.pkg, bases: new Map(Object.entries(f.bases)) });
  }

  /** A file whose aliased import is a re-export (TypeScript/JavaScript `export … from`, or a Python package's __init__). */
  private reexports(ctx: ResolveContext, path: string): boolean {
    return /(^|\/)(index\.[mc]?[jt]sx?|__init__\.py)$/.test(path) || (ctx.files.get(path)?.imports ?? []).length > 0;
  }

  /** Imports, packages and bases of the files involved (and of the modules they import from, for re-exports). */
  private async context(paths: string[], defs: SymbolRow[], names: string[]): Promise<ResolveContext> {
    const viewPaths = await this.viewPaths();
    const files = new Map<string, FileFacts>();
    const load = async (list: string[]) => {
      const fresh = [...new Set(list)].filter((p) => !files.has(p));
      if (!fresh.length) return;
      for (const p of fresh) files.set(p, { imports: [], pkg: null, bases: new Map() });
      for (const f of await this.source.factsOf(this.repoId, fresh))
        files.set(f.path, { imports: f.imports, pkg: f.pkg, bases: new Map(Object.entries(f.bases)) });
    };
    await load(paths);
    const byName = new Map<string, SymbolRow[]>();
    for (const d of defs) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
    const ctx = new ResolveContext(viewPaths, files, byName);
    // Files the imports of these names point at (a package's __init__, an index.ts): their re-exports.
    const via: string[] = [];
    const wanted = new Set(names);
    for (const [path, f] of files)
      for (const i of f.imports as GraphImportRow[])
        if (i.name && (wanted.has(i.name) || i.name === '*')) via.push(...ctx.moduleFiles(languageOf(path), path, i.module, i.name));
    await load(via);
    return ctx;
  }
}

function languageOf(path: string): string {
  if (/\.(py|pyi)$/.test(path)) return 'python';
  if (/\.(m|c)?[jt]sx?$/.test(path)) return 'typescript';
  if (path.endsWith('.go')) return 'go';
  if (path.endsWith('.java')) return 'java';
  if (path.endsWith('.rs')) return 'rust';
  return 'text';
}
