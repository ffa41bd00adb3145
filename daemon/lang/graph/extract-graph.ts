/**
 * One pass over a parsed tree -> the file's graph facts (refs and imports). It runs on
 * the tree the chunker already built (no second parse) and walks with a TreeCursor,
 * materializing nodes only for names, member accesses and imports, so its cost stays a
 * fraction of the parse. Scopes are tracked per function only: a bare name bound in an
 * enclosing function (parameter, local) is marked `local` and never resolves to a
 * module-level definition.
 */
import type { Node, Tree, TreeCursor } from 'web-tree-sitter';
import type { SymbolInfo } from '../types.js';
import { readImport, type ImportSink } from './imports.js';
import { graphRulesFor, type GraphRules } from './rules.js';
import type { FileGraph, GraphImport, GraphRef, RefKind } from './types.js';

/** More uses than this in one file (generated code) are cut: the graph stays useful, the store bounded. */
const MAX_REFS_PER_FILE = 50_000;
const QUALIFIER = /^[A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*$/;
const SYMBOLLESS = new Set(['namespace', 'module', 'section']);

interface Scope {
  names: Set<string>;
  parent: Scope | null;
}

interface Frame {
  type: string;
  bind: 'decl' | 'assign' | null;
  ctx: 'type' | 'inherit' | null;
  callee: boolean;
  /** For a member access: its receiver's text, and whether it is assigned to. */
  member: { prop: string; qualifier: string | null; write: boolean } | null;
  /** Set when this node opened a function scope. */
  scope: Scope | null;
}

interface PendingRef extends Omit<GraphRef, 'local'> {
  scope: Scope | null;
}

/** Dotted path of the innermost symbol over each line (index = line). */
function enclosingByLine(symbols: readonly SymbolInfo[], lines: number): (string | null)[] {
  const out: (string | null)[] = new Array<string | null>(lines + 2).fill(null);
  const sorted = symbols.filter((s) => !SYMBOLLESS.has(s.kind)).sort((a, b) => b.endLine - b.startLine - (a.endLine - a.startLine));
  for (const s of sorted) {
    const path = s.container ? `${s.container}.${s.name}` : s.name;
    for (let l = s.startLine; l <= Math.min(s.endLine, lines); l++) out[l] = path;
  }
  return out;
}

function qualifierOf(obj: Node | null, rules: GraphRules): string | null {
  if (!obj) return null;
  const t = obj.text;
  if (rules.selfNames.has(t)) return t;
  return t.length <= 80 && QUALIFIER.test(t) ? t.replace(/::/g, '.') : '?';
}

export function extractGraph(tree: Tree, language: string, text: string, symbols: readonly SymbolInfo[]): FileGraph | undefined {
  const rules = graphRulesFor(language);
  if (!rules) return undefined;
  const root = tree.rootNode;
  const enclosing = enclosingByLine(symbols, root.endPosition.row + 1);
  const pending: PendingRef[] = [];
  const imports: GraphImport[] = [];
  let pkg: string | null = null;
  let scope: Scope | null = null;

  const emit = (name: string, row: number, column: number, kind: RefKind, qualifier: string | null) => {
    if (pending.length >= MAX_REFS_PER_FILE || !name) return;
    pending.push({ name, line: row + 1, column, kind, enclosing: enclosing[row + 1] ?? null, qualifier, scope });
  };
  const sink: ImportSink = {
    imports,
    ref: (n, name) => emit(name, n.startPosition.row, n.startPosition.column, 'import', null),
    pkg: (name) => {
      pkg = name;
    },
  };
  const isEcma = language === 'javascript' || language === 'jsx' || language === 'typescript' || language === 'tsx';

  const enter = (c: TreeCursor, parent: Frame | null): Frame | null => {
    const type = c.nodeType;
    const field = c.currentFieldName;
    const pType = parent?.type ?? '';
    const k1 = `${pType}.${field ?? ''}`;
    const k2 = `${pType}.*`;
    if (rules.importNodes.has(type) || (isEcma && type === 'export_statement' && c.currentNode.childForFieldName('source'))) {
      readImport(language, c.currentNode, sink);
      return null;
    }
    if (rules.skip.has(k1) || rules.skip.has(k2)) return null;
    if (isEcma && type === 'variable_declarator') requireImport(c.currentNode, imports);

    const defName = rules.defNames.has(k1) || rules.defNames.has(k2);
    let bind: Frame['bind'] = null;
    if (rules.declSlots.has(k1) || rules.declSlots.has(k2)) bind = 'decl';
    else if (rules.assignSlots.has(k1) || rules.assignSlots.has(k2)) bind = 'assign';
    else if (parent?.bind && !parent.member && !(field && rules.exprFields.has(field))) bind = parent.bind;

    const callField = parent ? rules.calls[pType] : undefined;
    const callee = callField !== undefined && (callField === '*' || callField === field);
    let ctx: Frame['ctx'] = parent?.ctx ?? null;
    if (ctx !== 'inherit') {
      if (rules.inherit.has(type) || rules.inherit.has(k1)) ctx = 'inherit';
      else if (rules.typeContexts.has(type) || (field !== null && rules.typeFields.has(field) && !callee)) ctx = 'type';
    }
    const frame: Frame = { type, bind, ctx, callee, member: null, scope: null };

    if (rules.names.has(type)) {
      const name = text.slice(c.startIndex, c.endIndex);
      const { row, column } = c.startPosition;
      if (defName) {
        scope?.names.add(name);
        return null;
      }
      const m = parent?.member;
      if (m && (m.prop === field || (m.prop === '*' && field === null))) {
        const kind: RefKind = parent.callee ? 'call' : m.write ? 'write' : (ctx ?? (rules.typeNames.has(type) ? 'type' : 'read'));
        emit(name, row, column, kind, m.qualifier);
        return null;
      }
      if (bind) {
        scope?.names.add(name);
        if (bind === 'assign') emit(name, row, column, 'write', null);
        return null;
      }
      emit(name, row, column, callee ? 'call' : (ctx ?? (rules.typeNames.has(type) ? 'type' : 'read')), null);
      return null;
    }

    const member = rules.members[type];
    if (member) {
      const node = c.currentNode;
      const [objField, prop] = member;
      const obj = objField ? node.childForFieldName(objField) : node.namedChildren[0];
      frame.member = { prop, qualifier: qualifierOf(obj, rules), write: bind === 'assign' };
      frame.bind = null;
    }
    if (rules.functions.has(type)) {
      scope = { names: new Set(), parent: scope };
      frame.scope = scope;
    }
    return frame;
  };

  const leave = (f: Frame) => {
    if (f.scope) scope = f.scope.parent;
  };

  const c = tree.walk();
  try {
    const frames: Frame[] = [];
    for (;;) {
      const fr = enter(c, frames.length ? frames[frames.length - 1] : null);
      if (fr && c.gotoFirstChild()) {
        frames.push(fr);
        continue;
      }
      if (fr) leave(fr);
      let done = false;
      while (!c.gotoNextSibling()) {
        if (!frames.length || !c.gotoParent()) {
          done = true;
          break;
        }
        leave(frames.pop()!);
      }
      if (done) break;
    }
  } finally {
    c.delete();
  }

  // Uses of a function's own locals never reach another definition: they are not kept.
  const refs: GraphRef[] = [];
  for (const { scope: s, ...r } of pending) {
    let local = false;
    if (r.qualifier === null && r.kind !== 'import') for (let p = s; p && !local; p = p.parent) local = p.names.has(r.name);
    if (!local && !(r.qualifier === null && rules.selfNames.has(r.name))) refs.push({ ...r, local });
  }
  return { refs, imports, pkg };
}

/** `const x = require('m')`, `const { a, b: c } = require('m')`: CommonJS imports. */
function requireImport(decl: Node, imports: GraphImport[]): void {
  const value = decl.childForFieldName('value');
  if (value?.type !== 'call_expression' || value.childForFieldName('function')?.text !== 'require') return;
  const arg = value.childForFieldName('arguments')?.namedChildren[0];
  if (arg?.type !== 'string') return;
  const module = arg.text.slice(1, -1);
  const name = decl.childForFieldName('name');
  const line = decl.startPosition.row + 1;
  if (name?.type === 'identifier') imports.push({ local: name.text, module, name: null, line });
  else if (name?.type === 'object_pattern') {
    for (const p of name.namedChildren) {
      if (p?.type === 'shorthand_property_identifier_pattern') imports.push({ local: p.text, module, name: p.text, line });
      else if (p?.type === 'pair_pattern') {
        const key = p.childForFieldName('key')?.text;
        const val = p.childForFieldName('value')?.text;
        if (key && val) imports.push({ local: val, module, name: key, line });
      }
    }
  }
}
