/**
 * The generic walk from a tree-sitter tree to definitions (for layout) and
 * symbols. It only visits the top level and the bodies of containers
 * (classes, namespaces, impls, ...), never function bodies, so its cost is
 * proportional to the number of declarations, not to the nesting depth of the
 * code: a file of 5,000 nested brackets is one statement to it.
 */
import type { DefNode } from './layout.js';
import type { SourceLines } from './lines.js';
import type { DefContext, DefInfo, LanguageRules, Node } from './rules/types.js';
import { splitQualified } from './rules/types.js';
import type { SymbolInfo, SymbolKind } from './types.js';

/** Containers nested deeper than this are treated as leaves (no member symbols, no splitting by member). */
const MAX_CONTAINER_DEPTH = 24;
/** How deep ERROR/transparent/wrapper nodes are looked through. */
const MAX_FLATTEN_DEPTH = 6;
/**
 * A symbol-only definition (field, constant, type alias, declaration without
 * a body) spanning at least this many lines, doc comment included, gets a
 * chunk of its own: a 30-line config table or a documented API declaration is
 * worth finding by name, a bare one-liner is not.
 */
export const LIGHT_DEF_OWN_CHUNK_LINES = 5;
const SIGNATURE_MAX = 200;

const TYPE_KINDS: ReadonlySet<SymbolKind> = new Set(['class', 'struct', 'interface', 'trait', 'impl', 'enum']);

export interface Extracted {
  defs: DefNode[];
  symbols: SymbolInfo[];
}

/** 0-based row of a node's last character (a node ending at column 0 ends on the previous line). */
export function endRow(n: Node): number {
  const e = n.endPosition;
  return e.column === 0 && e.row > n.startPosition.row ? e.row - 1 : e.row;
}

interface Scope {
  path: string[];
  ctx: DefContext;
  depth: number;
}

export function extractDefinitions(root: Node, rules: LanguageRules, src: SourceLines): Extracted {
  const symbols: SymbolInfo[] = [];

  const signatureAt = (line: number): string => {
    const text = src.line(line);
    const head = text.length > SIGNATURE_MAX * 4 ? text.slice(0, SIGNATURE_MAX * 4) : text;
    const trimmed = head.trim();
    return trimmed.length > SIGNATURE_MAX ? trimmed.slice(0, SIGNATURE_MAX - 1) + '…' : trimmed;
  };

  /** The nodes of one scope, with ERROR and transparent nodes looked through. */
  const members = (container: Node, depth = 0, out: Node[] = []): Node[] => {
    for (const c of container.namedChildren) {
      if (!c) continue;
      if (depth < MAX_FLATTEN_DEPTH) {
        if (c.type === 'ERROR') {
          members(c, depth + 1, out);
          continue;
        }
        const inner = rules.transparent(c);
        if (inner) {
          members(inner, depth + 1, out);
          continue;
        }
      }
      out.push(c);
    }
    return out;
  };

  const leaves = (node: Node, depth = 0): Node[] => {
    const inner = depth < MAX_FLATTEN_DEPTH ? rules.unwrap(node) : null;
    if (inner === null) return [node];
    return inner.flatMap((n) => leaves(n, depth + 1));
  };

  /**
   * First row of a definition with the comments, decorators and attributes
   * directly above it (no blank line between). A comment that trails code on
   * its own first line (`x = 1  # note`, `class A {  // note`) documents that
   * code, not the definition below, and stops the walk.
   */
  const leadingStartRow = (node: Node): number => {
    let start = node.startPosition.row;
    let prev = node.previousNamedSibling;
    let closest = true;
    while (prev && rules.isLeading(prev)) {
      if (endRow(prev) < start - 1 && !(closest && isDetachedDocBlock(prev, start))) break;
      closest = false;
      const before = prev.previousSibling;
      if (before && !rules.isLeading(before) && endRow(before) >= prev.startPosition.row) break;
      start = prev.startPosition.row;
      prev = prev.previousNamedSibling;
    }
    return start;
  };

  /**
   * Some code bases leave one blank line between a `/**` doc block and what it
   * documents. A doc block is unambiguous, so it still attaches across that one
   * line, unless it is the very first thing in the file (a license or
   * file-overview header, not the first definition's doc).
   */
  const isDetachedDocBlock = (comment: Node, defRow: number): boolean => {
    const row = endRow(comment);
    if (row !== defRow - 2 || !src.isBlank(defRow)) return false;
    if (comment.previousSibling === null && comment.parent?.parent === null) return false;
    const p = comment.startPosition;
    return src.line(p.row + 1).startsWith('/**', p.column);
  };

  const scan = (container: Node, scope: Scope, scopeEndRow: number): DefNode[] => {
    const defs: DefNode[] = [];
    let fileScope: string[] = [];
    for (const node of members(container)) {
      if (rules.isLeading(node)) continue;

      const ns = rules.fileScope?.(node);
      if (ns) {
        const nsPath = splitQualified(ns.name);
        symbols.push(symbolOf({ kind: 'namespace', name: nsPath.join('.'), nameNode: ns.nameNode }, scope.path, node, scopeEndRow));
        fileScope = nsPath;
        continue;
      }

      const found: { info: DefInfo; leaf: Node }[] = [];
      for (const leaf of leaves(node)) for (const info of rules.define(leaf, scope.ctx)) found.push({ info, leaf });
      if (!found.length) continue;

      const base = [...scope.path, ...fileScope];
      const worthy: { def: DefNode; rangeNode: Node }[] = [];
      for (const { info, leaf } of found) {
        const rangeNode = info.rangeNode ?? (found.length === 1 ? node : leaf);
        const sym = symbolOf(info, base, rangeNode, endRow(rangeNode));
        symbols.push(sym);
        const path = [...base, ...(info.scope ?? []), info.name];
        let children: DefNode[] = [];
        if (info.body && scope.depth < MAX_CONTAINER_DEPTH) {
          const ctx: DefContext = { inType: TYPE_KINDS.has(info.kind), containerName: info.name };
          children = scan(info.body, { path, ctx, depth: scope.depth + 1 }, endRow(info.body));
        }
        if (info.light) {
          // Counted with its doc comment: a documented declaration (`declare function`, a C
          // prototype in a header, an interface method with Javadoc) is worth finding as a chunk.
          const docStart = leadingStartRow(found.length === 1 ? node : rangeNode) + 1;
          if (sym.endLine - docStart + 1 < LIGHT_DEF_OWN_CHUNK_LINES) continue;
        }
        worthy.push({
          def: { symbol: path.join('.'), kind: info.kind, startLine: 0, endLine: 0, children },
          rangeNode,
        });
      }
      // One chunk-worthy definition takes the whole statement (`export`, `const x = () => ...;`);
      // several (a Go `type (...)` group) take their own ranges inside it.
      const single = worthy.length === 1;
      for (const { def, rangeNode } of worthy) {
        const outer = single ? node : rangeNode;
        def.startLine = leadingStartRow(outer) + 1;
        def.endLine = endRow(outer) + 1;
        defs.push(def);
      }
    }
    return defs;
  };

  const symbolOf = (info: DefInfo, base: string[], rangeNode: Node, lastRow: number): SymbolInfo => {
    const container = [...base, ...(info.scope ?? [])];
    const namePos = info.nameNode.startPosition;
    return {
      name: info.name,
      kind: info.kind,
      container: container.length ? container.join('.') : null,
      startLine: rangeNode.startPosition.row + 1,
      endLine: Math.max(rangeNode.startPosition.row, lastRow) + 1,
      nameLine: namePos.row + 1,
      nameColumn: namePos.column,
      signature: signatureAt((info.signatureNode?.startPosition.row ?? namePos.row) + 1),
    };
  };

  const defs = scan(root, { path: [], ctx: { inType: false, containerName: null }, depth: 0 }, endRow(root));
  return { defs, symbols };
}
