/**
 * One pass over a parsed tree -> the file's graph facts (refs and imports). It runs on
 * the tree the chunker already built (no second parse) and walks with a TreeCursor,
 * materializing nodes only for names, member accesses and imports, so its cost stays a
 * fraction of the parse. Scopes are tracked per function only: a bare name bound in an
 * enclosing function (parameter, local) is marked `local` and never resolves to a
 * module-level definition.
 */
import type { Language, Node, Tree, TreeCursor } from 'web-tree-sitter';
import type { SymbolInfo } from '../types.js';
import { readImport, type ImportSink } from './imports.js';
import { graphRulesFor, type GraphRules } from './rules.js';
import { dbCallAt, endpointAt, ERROR_NODES, goErrorCheck, PATTERN_CALLS, sqlAt, STRING_CONTENT } from './patterns.js';
import type { CodePattern, FileGraph, GraphImport, GraphRef, RefKind } from './types.js';

/** More uses than this in one file (generated code) are cut: the graph stays useful, the store bounded. */
const MAX_REFS_PER_FILE = 50_000;
const QUALIFIER = /^[A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*$/;
const SYMBOLLESS = new Set(['namespace', 'module', 'section']);
const MAX_PATTERNS = 2000;
/** Names worth a closer look for a pattern (a cheap set test before any node is materialized). */

interface Scope {
  names: Set<string>;
  /** Locals assigned a constructor call (`s = Store(...)`, `const g = new Greeter()`): their class. */
  types: Map<string, string>;
  parent: Scope | null;
}

/** Assignment-like nodes whose value may be a constructor call: [target field, value field]. */
const TYPED_ASSIGNMENTS: Record<string, [string, string]> = {
  assignment: ['left', 'right'],
  variable_declarator: ['name', 'value'],
  short_var_declaration: ['left', 'right'],
  let_declaration: ['pattern', 'value'],
};
const CONSTRUCTOR_CALLS = new Set(['call', 'new_expression', 'call_expression', 'object_creation_expression', 'composite_literal', 'struct_expression']);

/** `Store(...)`, `new Greeter()`, `T{...}`: the class name, when it looks like one (capitalised). */
function constructed(value: Node | null): string | null {
  if (!value || !CONSTRUCTOR_CALLS.has(value.type)) return null;
  const callee =
    value.childForFieldName('function') ?? value.childForFieldName('constructor') ?? value.childForFieldName('type') ?? value.childForFieldName('name');
  const name = callee?.text.split(/\.|::/).pop() ?? '';
  return /^[A-Z][\w$]*$/.test(name) ? name : null;
}

interface Frame {
  tid: number;
  bind: 'decl' | 'assign' | null;
  ctx: 'type' | 'inherit' | null;
  callee: boolean;
  /** For a member access: its member field, its receiver's text, and whether it is assigned to. */
  member: { prop: number; qualifier: string | null; write: boolean } | null;
  /** Set when this node opened a function scope. */
  scope: Scope | null;
  /** Frames since the innermost scope was opened (0: this one opened it). */
  sinceScope: number;
}

/** A field id meaning "any child" in the compiled slot keys (`type.*`). */
const ANY = 0xfff;
const FIELD_NONE = 0;

/**
 * GraphRules over one grammar's numeric node-type and field ids: the walk reads ids from the
 * cursor (no strings cross from wasm per node) and looks them up in arrays and integer-keyed maps.
 */
interface Compiled {
  named: Uint8Array;
  names: Uint8Array;
  typeNames: Uint8Array;
  functions: Uint8Array;
  imports: Uint8Array;
  typeContexts: Uint8Array;
  inheritTypes: Uint8Array;
  exportStatement: Uint8Array;
  variableDeclarator: Uint8Array;
  typedAssignments: Map<number, [string, string]>;
  stringContent: Uint8Array;
  errorNodes: Map<number, string>;
  goIf: Uint8Array;
  members: Map<number, { obj: string | null; prop: number }>;
  calls: Map<number, number>;
  defNames: Set<number>;
  declSlots: Set<number>;
  assignSlots: Set<number>;
  skip: Set<number>;
  inheritSlots: Set<number>;
  exprFields: Set<number>;
  typeFields: Set<number>;
}

const compiledCache = new WeakMap<Language, Map<GraphRules, Compiled>>();

function compile(language: Language, rules: GraphRules): Compiled {
  let perRules = compiledCache.get(language);
  if (!perRules) compiledCache.set(language, (perRules = new Map()));
  const hit = perRules.get(rules);
  if (hit) return hit;
  const n = language.nodeTypeCount;
  const ids = new Map<string, number[]>();
  const named = new Uint8Array(n + 1);
  for (let id = 0; id < n; id++) {
    const name = language.nodeTypeForId(id);
    if (!name || !language.nodeTypeIsNamed(id)) continue;
    named[id] = 1;
    ids.set(name, [...(ids.get(name) ?? []), id]);
  }
  const typeSet = (types: Iterable<string>): Uint8Array => {
    const out = new Uint8Array(n + 1);
    for (const t of types) for (const id of ids.get(t) ?? []) out[id] = 1;
    return out;
  };
  const field = (f: string): number => language.fieldIdForName(f) ?? -1;
  const slots = (keys: Iterable<string>): Set<number> => {
    const out = new Set<number>();
    for (const k of keys) {
      const dot = k.lastIndexOf('.');
      const f = k.slice(dot + 1);
      const fid = f === '*' ? ANY : field(f);
      if (fid < 0) continue;
      for (const id of ids.get(k.slice(0, dot)) ?? []) out.add(id * 4096 + fid);
    }
    return out;
  };
  const members = new Map<number, { obj: string | null; prop: number }>();
  for (const [t, [obj, prop]] of Object.entries(rules.members)) for (const id of ids.get(t) ?? []) members.set(id, { obj, prop: field(prop) });
  const calls = new Map<number, number>();
  for (const [t, f] of Object.entries(rules.calls)) for (const id of ids.get(t) ?? []) calls.set(id, f === '*' ? ANY : field(f));
  const inheritKeys = [...rules.inherit].filter((k) => k.includes('.'));
  const compiled: Compiled = {
    named,
    names: typeSet(rules.names),
    typeNames: typeSet(rules.typeNames),
    functions: typeSet(rules.functions),
    imports: typeSet(rules.importNodes),
    typeContexts: typeSet(rules.typeContexts),
    inheritTypes: typeSet([...rules.inherit].filter((k) => !k.includes('.'))),
    exportStatement: typeSet(['export_statement']),
    variableDeclarator: typeSet(['variable_declarator']),
    stringContent: typeSet(STRING_CONTENT),
    errorNodes: new Map(Object.entries(ERROR_NODES).flatMap(([t, d]) => (ids.get(t) ?? []).map((id) => [id, d] as [number, string]))),
    goIf: typeSet(rules === graphRulesFor('go') ? ['if_statement'] : []),
    typedAssignments: new Map(Object.entries(TYPED_ASSIGNMENTS).flatMap(([t, f]) => (ids.get(t) ?? []).map((id) => [id, f] as [number, [string, string]]))),
    members,
    calls,
    defNames: slots(rules.defNames),
    declSlots: slots(rules.declSlots),
    assignSlots: slots(rules.assignSlots),
    skip: slots(rules.skip),
    inheritSlots: slots(inheritKeys),
    exprFields: new Set([...rules.exprFields].map(field).filter((f) => f >= 0)),
    typeFields: new Set([...rules.typeFields].map(field).filter((f) => f >= 0)),
  };
  perRules.set(rules, compiled);
  return compiled;
}

interface PendingRef extends Omit<GraphRef, 'local'> {
  scope: Scope | null;
}

/** Dotted path of the innermost symbol over each line (index = line): the `enclosing` of a use. */
export function enclosingByLine(
  symbols: readonly Pick<SymbolInfo, 'name' | 'container' | 'kind' | 'startLine' | 'endLine'>[],
  lines: number,
): (string | null)[] {
  const out: (string | null)[] = new Array<string | null>(lines + 2).fill(null);
  const sorted = symbols.filter((s) => !SYMBOLLESS.has(s.kind)).sort((a, b) => b.endLine - b.startLine - (a.endLine - a.startLine));
  for (const s of sorted) {
    const path = s.container ? `${s.container}.${s.name}` : s.name;
    for (let l = s.startLine; l <= Math.min(s.endLine, lines); l++) out[l] = path;
  }
  return out;
}

function qualifierOf(obj: Node | null, rules: GraphRules, scope: Scope | null): string | null {
  if (!obj) return null;
  const t = obj.text;
  if (rules.selfNames.has(t)) return t;
  // Python's `super()` / `super(C, self)`: the parent class's member.
  if (obj.type === 'call' && obj.childForFieldName('function')?.text === 'super') return 'super';
  if (t.length > 80 || !QUALIFIER.test(t)) return '?';
  // A local known to hold an instance: the receiver is its class.
  for (let s = scope; s; s = s.parent) {
    const cls = s.types.get(t);
    if (cls) return cls;
  }
  return t.replace(/::/g, '.');
}

export function extractGraph(tree: Tree, language: string, text: string, symbols: readonly SymbolInfo[]): FileGraph | undefined {
  const rules = graphRulesFor(language);
  if (!rules) return undefined;
  const root = tree.rootNode;
  const enclosing = enclosingByLine(symbols, root.endPosition.row + 1);
  const pending: PendingRef[] = [];
  const imports: GraphImport[] = [];
  const patterns: CodePattern[] = [];
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

  const k = compile(tree.language, rules);
  const enter = (c: TreeCursor, parent: Frame | null): Frame | null => {
    const tid = c.nodeTypeId;
    // Anonymous nodes (keywords, punctuation) hold nothing the graph records.
    if (!k.named[tid]) return null;
    const fid = c.currentFieldId || FIELD_NONE;
    const pTid = parent ? parent.tid : -1;
    const k1 = pTid * 4096 + fid;
    const k2 = pTid * 4096 + ANY;
    if (k.imports[tid] || (isEcma && k.exportStatement[tid] && c.currentNode.childForFieldName('source'))) {
      readImport(language, c.currentNode, sink);
      return null;
    }
    if (k.skip.has(k1) || k.skip.has(k2)) return null;
    if (isEcma && k.variableDeclarator[tid]) requireImport(c.currentNode, imports);

    let bind: Frame['bind'] = null;
    if (k.declSlots.has(k1) || k.declSlots.has(k2)) bind = 'decl';
    else if (k.assignSlots.has(k1) || k.assignSlots.has(k2)) bind = 'assign';
    else if (parent?.bind && !parent.member && !k.exprFields.has(fid)) bind = parent.bind;

    const callField = parent ? k.calls.get(pTid) : undefined;
    const callee = callField !== undefined && (callField === ANY || callField === fid);
    let ctx: Frame['ctx'] = parent?.ctx ?? null;
    if (ctx !== 'inherit') {
      if (k.inheritTypes[tid] || k.inheritSlots.has(k1)) ctx = 'inherit';
      else if (k.typeContexts[tid] || (fid !== FIELD_NONE && k.typeFields.has(fid) && !callee)) ctx = 'type';
    }

    if (k.stringContent[tid]) {
      const sql = sqlAt(text.slice(c.startIndex, Math.min(c.endIndex, c.startIndex + 400)), c.startPosition.row + 1);
      if (sql && patterns.length < MAX_PATTERNS) patterns.push(sql);
      return null;
    }
    const errorKind = k.errorNodes.get(tid);
    if (errorKind !== undefined && patterns.length < MAX_PATTERNS)
      patterns.push({ tag: 'error-handling', line: c.startPosition.row + 1, detail: errorKind, handler: null });
    if (k.goIf[tid] && patterns.length < MAX_PATTERNS) {
      const check = goErrorCheck(c.currentNode, c.startPosition.row + 1);
      if (check) patterns.push(check);
    }

    if (k.names[tid]) {
      const name = text.slice(c.startIndex, c.endIndex);
      const { row, column } = c.startPosition;
      if (patterns.length < MAX_PATTERNS && PATTERN_CALLS.has(name)) {
        const found = endpointAt(name, c.currentNode, row + 1) ?? dbCallAt(name, parent?.member?.prop === fid ? parent.member.qualifier : null, row + 1);
        if (found) patterns.push(found);
      }
      if (k.defNames.has(k1) || k.defNames.has(k2)) {
        // A function's own name belongs to the scope around it (a recursive call is not a local).
        const own = parent && parent.sinceScope <= 1 && scope ? scope.parent : scope;
        own?.names.add(name);
        return null;
      }
      const m = parent?.member;
      if (m && m.prop === fid) {
        const kind: RefKind = parent.callee || callee ? 'call' : m.write ? 'write' : (ctx ?? (k.typeNames[tid] ? 'type' : 'read'));
        emit(name, row, column, kind, m.qualifier);
        return null;
      }
      if (bind) {
        scope?.names.add(name);
        if (bind === 'assign') emit(name, row, column, 'write', null);
        return null;
      }
      emit(name, row, column, callee ? 'call' : (ctx ?? (k.typeNames[tid] ? 'type' : 'read')), null);
      return null;
    }

    const frame: Frame = { tid, bind, ctx, callee, member: null, scope: null, sinceScope: (parent?.sinceScope ?? 1000) + 1 };
    const member = k.members.get(tid);
    if (member) {
      const node = c.currentNode;
      const obj = member.obj ? node.childForFieldName(member.obj) : node.namedChildren[0];
      frame.member = { prop: member.prop, qualifier: qualifierOf(obj, rules, scope), write: bind === 'assign' };
      frame.bind = null;
    }
    const typed = scope ? k.typedAssignments.get(tid) : undefined;
    if (typed && scope) {
      const node = c.currentNode;
      const target = node.childForFieldName(typed[0]);
      const cls = constructed(
        node.childForFieldName(typed[1])?.namedChildren.length === 1 && node.childForFieldName(typed[1])?.type === 'expression_list'
          ? node.childForFieldName(typed[1])!.namedChildren[0]
          : node.childForFieldName(typed[1]),
      );
      const name = target?.type === 'expression_list' && target.namedChildren.length === 1 ? target.namedChildren[0]?.text : target?.text;
      if (cls && name && /^[\w$]+$/.test(name)) scope.types.set(name, cls);
    }
    if (k.functions[tid]) {
      scope = { names: new Set(), types: new Map(), parent: scope };
      frame.scope = scope;
      frame.sinceScope = 0;
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
  return { refs, imports, pkg, patterns };
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
