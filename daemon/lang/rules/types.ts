/**
 * The contract between the generic tree walker (extract.ts) and the small
 * per-language rule modules. A rule module only answers local questions about
 * one node ("is this a definition? what is its name? where are its members?");
 * ranges, comments, nesting, symbol paths and chunking are shared logic.
 */
import type { Node } from 'web-tree-sitter';
import type { GrammarId } from '../grammars.js';
import type { SymbolKind } from '../types.js';

export type { Node };

export interface DefContext {
  /** Inside a class-like container (class, struct, interface, trait, impl, enum): functions are methods. */
  inType: boolean;
  /** Name of the innermost enclosing container, for constructor detection (C++ `Foo::Foo`). */
  containerName: string | null;
}

export interface DefInfo {
  kind: SymbolKind;
  name: string;
  /** Where the name is written (for nameLine/nameColumn). */
  nameNode: Node;
  /**
   * Extra container segments implied by the definition itself, not by nesting:
   * a Go method's receiver type, C++ `A::B::f`, Ruby `class A::B`.
   */
  scope?: string[];
  /** The node whose named children are this container's members; absent for leaves. */
  body?: Node | null;
  /**
   * Symbol-only definitions (fields, one-line constants, type aliases,
   * declarations without a body) are grouped with neighbouring statements
   * instead of getting a chunk of their own, unless they are long.
   */
  light?: boolean;
  /** The node the symbol range comes from; defaults to the node that was classified. */
  rangeNode?: Node;
  /** Whose first line is the signature; defaults to the name's line (C `typedef struct {...} name;` needs the top). */
  signatureNode?: Node;
}

export interface LanguageRules {
  grammar: GrammarId;
  /**
   * Wrappers around definitions (export statements, decorated definitions,
   * templates, declarations holding several specs): the nodes inside that
   * may be definitions. Null when the node is not a wrapper.
   */
  unwrap(node: Node): Node[] | null;
  /** Definitions held by a node (usually one; several for `const a = 1, b = 2`). */
  define(node: Node, ctx: DefContext): DefInfo[];
  /**
   * Nodes whose children belong to the enclosing scope (preprocessor
   * conditionals, `extern "C" {}`, anonymous namespaces, Ruby `class << self`):
   * the node whose children are scanned in place, or null.
   */
  transparent(node: Node): Node | null;
  /** Comments, decorators and attributes that document the next definition when directly above it. */
  isLeading(node: Node): boolean;
  /**
   * A declaration that scopes every following sibling (C# `namespace A.B;`,
   * PHP `namespace App\Models;`): the namespace's dotted name, or null.
   */
  fileScope?(node: Node): { name: string; nameNode: Node } | null;
}

// ---- helpers shared by rule modules ---------------------------------------

export function field(node: Node, name: string): Node | null {
  return node.childForFieldName(name);
}

/** The text of a field, or null when the field is missing or empty (error recovery). */
export function fieldText(node: Node, name: string): string | null {
  const f = node.childForFieldName(name);
  if (!f || f.isMissing) return null;
  const text = f.text;
  return text.length ? text : null;
}

export function namedChildrenOfType(node: Node, types: ReadonlySet<string> | string): Node[] {
  const out: Node[] = [];
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (typeof types === 'string' ? c.type === types : types.has(c.type)) out.push(c);
  }
  return out;
}

export function firstNamedChildOfType(node: Node, types: ReadonlySet<string> | string): Node | null {
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (typeof types === 'string' ? c.type === types : types.has(c.type)) return c;
  }
  return null;
}

/** `A::B::c` / `A\B\c` / `A.B.c` split into segments (C++, PHP, Ruby and C# qualified names). */
export function splitQualified(text: string): string[] {
  return text
    .split(/::|\\|\./)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/** SCREAMING_CASE names are constants by convention in dynamic languages. */
export function constantOrVariable(name: string): 'constant' | 'variable' {
  return CONSTANT_NAME.test(name) && /[A-Z]/.test(name) ? 'constant' : 'variable';
}

export function def(kind: DefInfo['kind'], nameNode: Node, extra: Partial<DefInfo> = {}): DefInfo {
  return { kind, name: nameNode.text, nameNode, ...extra };
}
