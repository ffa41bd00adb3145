/**
 * Markdown sections without a parser. A heading's section runs to the next
 * heading of the same or a higher level, so sections nest like classes and
 * go through the same layout: a section that fits the bounds is one chunk
 * (subsections included); a bigger one is split into its intro and its
 * subsections. Headings are ATX (`## Title`) or setext (underlined with `===`
 * / `---`); lines inside fenced code blocks and YAML front matter are never
 * headings.
 */
import type { DefNode } from './layout.js';
import type { SourceLines } from './lines.js';
import type { SymbolInfo } from './types.js';

interface Heading {
  level: number;
  text: string;
  /** Line of the heading text (for setext, the line above the underline). */
  line: number;
  column: number;
  /** Last line of the heading itself (the underline for setext). */
  lastLine: number;
}

const ATX = /^( {0,3})(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const SIGNATURE_MAX = 200;

function findHeadings(src: SourceLines): Heading[] {
  const out: Heading[] = [];
  let fence: string | null = null;
  let n = 1;
  // YAML front matter: its closing `---` would otherwise underline the last key as a heading.
  if (src.count > 1 && src.line(1).trimEnd() === '---') {
    for (let m = 2; m <= src.count; m++) {
      const l = src.line(m).trimEnd();
      if (l === '---' || l === '...') {
        n = m + 1;
        break;
      }
    }
  }
  let prevParagraph = false; // the previous line is plain paragraph text (a setext candidate)
  for (; n <= src.count; n++) {
    const line = src.line(n).replace(/\r$/, '');
    const f = FENCE.exec(line);
    if (fence !== null) {
      // Closed by a bare fence of the same character, at least as long as the opening one.
      const close = FENCE_CLOSE.exec(line);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) fence = null;
      prevParagraph = false;
      continue;
    }
    if (f) {
      fence = f[1];
      prevParagraph = false;
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      const text = (atx[3] ?? '').trim();
      const column = text ? line.indexOf(text, atx[1].length + atx[2].length) : atx[1].length;
      out.push({ level: atx[2].length, text, line: n, column, lastLine: n });
      prevParagraph = false;
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && prevParagraph) {
      const title = src.line(n - 1).replace(/\r$/, '');
      const text = title.trim();
      out.push({ level: setext[1][0] === '=' ? 1 : 2, text, line: n - 1, column: title.indexOf(text), lastLine: n });
      prevParagraph = false;
      continue;
    }
    prevParagraph = !src.isBlank(n) && !/^ {0,3}(?:[-*+>|]|\d+[.)])/.test(line) && !/^ {4}|^\t/.test(line);
  }
  return out;
}

export function extractMarkdown(src: SourceLines): { defs: DefNode[]; symbols: SymbolInfo[] } {
  const symbols: SymbolInfo[] = [];
  const roots: DefNode[] = [];
  // Open sections, outermost first. A heading closes every open section of its level or deeper.
  const stack: { level: number; node: DefNode; symbol: SymbolInfo }[] = [];
  const close = (endBefore: number) => {
    const open = stack.pop();
    if (!open) return;
    const end = Math.max(open.node.startLine, src.lastNonBlank(open.node.startLine, endBefore));
    open.node.endLine = end;
    open.symbol.endLine = end;
  };

  for (const h of findHeadings(src)) {
    while (stack.length && stack[stack.length - 1].level >= h.level) close(h.line - 1);
    const name = h.text || '#'.repeat(h.level);
    const node: DefNode = { symbol: name, kind: 'section', startLine: h.line, endLine: h.lastLine, children: [], headerKind: 'section' };
    const container = stack.map((s) => s.node.symbol).join('.');
    const symbol: SymbolInfo = {
      name,
      kind: 'section',
      container: container || null,
      startLine: h.line,
      endLine: h.lastLine,
      nameLine: h.line,
      nameColumn: Math.max(0, h.column),
      signature: src.line(h.line).trim().slice(0, SIGNATURE_MAX),
    };
    symbols.push(symbol);
    (stack.length ? stack[stack.length - 1].node.children : roots).push(node);
    stack.push({ level: h.level, node, symbol });
  }
  while (stack.length) close(src.count);
  return { defs: roots, symbols };
}
