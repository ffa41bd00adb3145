/**
 * textDocument/documentSymbol: the tree-sitter parse of the buffer (unsaved
 * edits included), nested by range: classes hold their methods, markdown
 * sections their subsections.
 */
import type { DocumentSymbol, Range } from 'vscode-languageserver/node';
import type { SymbolInfo } from '../daemon/lang/types.js';
import { lspSymbolKind } from './symbol-kinds.js';

interface Node {
  sym: SymbolInfo;
  path: string;
  out: DocumentSymbol;
}

function fullPath(s: SymbolInfo): string {
  return s.container ? `${s.container}.${s.name}` : s.name;
}

/** LSP ranges for a symbol, from its 1-based lines and the buffer's lines. */
export function symbolRanges(s: SymbolInfo, lines: readonly string[]): { range: Range; selectionRange: Range } {
  const last = Math.max(0, lines.length - 1);
  const startLine = Math.min(Math.max(0, s.startLine - 1), last);
  const endLine = Math.min(Math.max(startLine, s.endLine - 1), last);
  const startText = lines[startLine] ?? '';
  let startChar = startText.length - startText.trimStart().length;
  const nameLine = Math.min(Math.max(startLine, s.nameLine - 1), endLine);
  const nameText = lines[nameLine] ?? '';
  const nameChar = Math.min(Math.max(0, s.nameColumn), nameText.length);
  if (nameLine === startLine) startChar = Math.min(startChar, nameChar);
  const nameEnd = Math.min(nameChar + s.name.length, nameText.length);
  const endChar = (lines[endLine] ?? '').length;
  const range: Range = { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } };
  let selectionRange: Range = { start: { line: nameLine, character: nameChar }, end: { line: nameLine, character: Math.max(nameChar, nameEnd) } };
  // The selection must lie inside the range (a name on the last line past its end, say): fall back to the range's start.
  if (nameLine === endLine && selectionRange.end.character > endChar) selectionRange = { start: range.start, end: range.start };
  return { range, selectionRange };
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Nest symbols by containment: a symbol is the child of the innermost earlier symbol whose lines hold it. */
export function documentSymbols(symbols: readonly SymbolInfo[], text: string): DocumentSymbol[] {
  const lines = splitLines(text);
  const sorted = [...symbols].sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine || a.nameLine - b.nameLine);
  const roots: DocumentSymbol[] = [];
  const stack: Node[] = [];
  for (const sym of sorted) {
    const { range, selectionRange } = symbolRanges(sym, lines);
    const out: DocumentSymbol = { name: sym.name || '(anonymous)', kind: lspSymbolKind(sym.kind), range, selectionRange, children: [] };
    if (sym.signature && sym.signature !== sym.name) out.detail = sym.signature;
    const node: Node = { sym, path: fullPath(sym), out };
    while (stack.length) {
      const top = stack[stack.length - 1];
      const holds = top.sym.startLine <= sym.startLine && sym.endLine <= top.sym.endLine;
      const sameLines = top.sym.startLine === sym.startLine && top.sym.endLine === sym.endLine;
      // Two symbols on the same lines nest only when the names say so (`Outer.inner`).
      if (holds && (!sameLines || sym.container === top.path)) break;
      stack.pop();
    }
    const parent = stack[stack.length - 1];
    (parent ? parent.out.children! : roots).push(out);
    stack.push(node);
  }
  const prune = (list: DocumentSymbol[]) => {
    for (const s of list) {
      if (s.children?.length) prune(s.children);
      else delete s.children;
    }
  };
  prune(roots);
  return roots;
}

/** The innermost symbol whose lines hold `line` (1-based), if any. */
export function enclosingSymbol(symbols: readonly SymbolInfo[], line: number): SymbolInfo | null {
  let best: SymbolInfo | null = null;
  for (const s of symbols) {
    if (s.startLine > line || s.endLine < line) continue;
    if (
      !best ||
      s.endLine - s.startLine < best.endLine - best.startLine ||
      (s.endLine - s.startLine === best.endLine - best.startLine && s.startLine > best.startLine)
    )
      best = s;
  }
  return best;
}

export { fullPath as symbolPath };
