/**
 * The code graph in the editor: textDocument/references, callHierarchy (prepare, incoming,
 * outgoing), textDocument/implementation and a code lens per definition with its reference
 * count and last change. Positions convert here (LSP 0-based lines, UTF-16 columns) and
 * nowhere below; answers come from the index (the saved file), like go-to-definition.
 */
import { join } from 'node:path';
import type { CallHierarchyIncomingCall, CallHierarchyItem, CallHierarchyOutgoingCall, CodeLens, Location, Position, Range } from 'vscode-languageserver/node';
import type { Engine } from '../daemon/engine.js';
import type { RepoRecord, SymbolRow } from '../daemon/store/types.js';
import { lspSymbolKind } from './symbol-kinds.js';
import type { Workspace } from './workspace.js';
import { pathToUri } from './workspace.js';

/** At most this many code lenses per file (each costs a references query when resolved). */
const MAX_LENSES = 200;
const LENS_KINDS = new Set(['function', 'method', 'constructor', 'class', 'interface', 'struct', 'trait', 'enum']);

interface ItemData {
  repoId: number;
  path: string;
  line: number;
  column: number;
}

export interface GraphDeps {
  engine: Engine;
  workspace: Workspace;
}

const point = (line: number, column: number): Position => ({ line: line - 1, character: Math.max(0, column - 1) });
const span = (line: number, column: number, length: number): Range => ({ start: point(line, column), end: point(line, column + length) });

async function at(deps: GraphDeps, uri: string, pos: Position): Promise<{ repo: RepoRecord; defs: SymbolRow[] } | null> {
  const loc = await deps.workspace.locate(uri);
  if (!loc) return null;
  const defs = await deps.engine.graphFor(loc.repo).definitionsAt(loc.path, pos.line + 1, pos.character + 1);
  return { repo: loc.repo, defs };
}

export async function references(deps: GraphDeps, uri: string, pos: Position, includeDeclaration: boolean): Promise<Location[] | null> {
  const found = await at(deps, uri, pos);
  if (!found?.defs.length) return null;
  const refs = await deps.engine.graphFor(found.repo).refs(found.defs);
  const out: Location[] = refs.map((r) => ({ uri: pathToUri(join(found.repo.root, r.path)), range: span(r.line, r.column, 0) }));
  if (includeDeclaration) {
    for (const d of found.defs) out.unshift({ uri: pathToUri(join(found.repo.root, d.path)), range: span(d.nameLine, d.nameColumn + 1, d.name.length) });
  }
  return out;
}

function item(repo: RepoRecord, s: SymbolRow): CallHierarchyItem {
  const data: ItemData = { repoId: repo.id, path: s.path, line: s.nameLine, column: s.nameColumn + 1 };
  return {
    name: s.name,
    kind: lspSymbolKind(s.kind),
    detail: s.container ?? undefined,
    uri: pathToUri(join(repo.root, s.path)),
    range: { start: point(s.startLine, 1), end: point(s.endLine + 1, 1) },
    selectionRange: span(s.nameLine, s.nameColumn + 1, s.name.length),
    data,
  };
}

export async function prepareCallHierarchy(deps: GraphDeps, uri: string, pos: Position): Promise<CallHierarchyItem[] | null> {
  const found = await at(deps, uri, pos);
  if (!found?.defs.length) return null;
  return found.defs.map((d) => item(found.repo, d));
}

async function fromItem(deps: GraphDeps, it: CallHierarchyItem): Promise<{ repo: RepoRecord; defs: SymbolRow[] } | null> {
  const data = it.data as Partial<ItemData> | undefined;
  if (data?.repoId !== undefined && data.path && data.line) {
    const repo = await deps.engine.repos.getRepoById(data.repoId);
    if (repo) return { repo, defs: await deps.engine.graphFor(repo).definitionsAt(data.path, data.line, data.column ?? null) };
  }
  return at(deps, it.uri, it.selectionRange.start);
}

export async function incomingCalls(deps: GraphDeps, it: CallHierarchyItem): Promise<CallHierarchyIncomingCall[]> {
  const found = await fromItem(deps, it);
  if (!found?.defs.length) return [];
  const q = deps.engine.graphFor(found.repo);
  const callers = await q.callers(found.defs, 1);
  const out: CallHierarchyIncomingCall[] = [];
  for (const c of callers) {
    const fromRanges = c.sites.map((l) => ({ start: point(l, 1), end: point(l + 1, 1) }));
    const defs = c.symbol ? await q.definitionsAt(c.path, c.line, null) : [];
    const from: CallHierarchyItem = defs[0]
      ? item(found.repo, defs[0])
      : {
          name: c.path,
          kind: lspSymbolKind('module'),
          uri: pathToUri(join(found.repo.root, c.path)),
          range: span(c.line, 1, 0),
          selectionRange: span(c.line, 1, 0),
        };
    out.push({ from, fromRanges });
  }
  return out;
}

export async function outgoingCalls(deps: GraphDeps, it: CallHierarchyItem): Promise<CallHierarchyOutgoingCall[]> {
  const found = await fromItem(deps, it);
  if (!found?.defs.length) return [];
  const q = deps.engine.graphFor(found.repo);
  const out: CallHierarchyOutgoingCall[] = [];
  for (const c of await q.callees(found.defs, 1)) {
    const defs = await q.definitionsAt(c.path, c.line, null);
    if (!defs[0]) continue;
    out.push({ to: item(found.repo, defs[0]), fromRanges: c.sites.map((l) => ({ start: point(l, 1), end: point(l + 1, 1) })) });
  }
  return out;
}

export async function implementations(deps: GraphDeps, uri: string, pos: Position): Promise<Location[] | null> {
  const found = await at(deps, uri, pos);
  if (!found?.defs.length) return null;
  const impls = await deps.engine.graphFor(found.repo).implementations(found.defs);
  return impls.map((s) => ({ uri: pathToUri(join(found.repo.root, s.path)), range: span(s.nameLine, s.nameColumn + 1, s.name.length) }));
}

/** One lens per definition of the file; its reference count and last change are filled in on resolve. */
export async function codeLenses(deps: GraphDeps, uri: string): Promise<CodeLens[]> {
  const loc = await deps.workspace.locate(uri);
  if (!loc) return [];
  const symbols = (await deps.engine.graphFor(loc.repo).definitionsIn(loc.path)).filter((s) => LENS_KINDS.has(s.kind)).slice(0, MAX_LENSES);
  return symbols.map((s) => ({ range: span(s.nameLine, s.nameColumn + 1, s.name.length), data: { uri, line: s.nameLine, column: s.nameColumn + 1 } }));
}

export async function resolveCodeLens(deps: GraphDeps, lens: CodeLens): Promise<CodeLens> {
  const data = lens.data as { uri: string; line: number; column: number };
  const loc = await deps.workspace.locate(data.uri);
  if (!loc) return { ...lens, command: { title: 'not indexed', command: '' } };
  const q = deps.engine.graphFor(loc.repo);
  const defs = await q.definitionsAt(loc.path, data.line, data.column);
  const refs = await q.refs(defs);
  const def = defs[0];
  let changed = '';
  if (def) {
    const { blame } = await deps.engine.rangeBlame(loc.repo, loc.path, def.startLine, def.endLine);
    const newest = blame.owners?.map((o) => o.commit?.authorTime ?? 0).reduce((a, b) => Math.max(a, b), 0);
    if (newest) changed = ` · changed ${new Date(newest * 1000).toISOString().slice(0, 10)}`;
  }
  const n = refs.length;
  return { ...lens, command: { title: `${n} reference${n === 1 ? '' : 's'}${changed}`, command: '' } };
}
