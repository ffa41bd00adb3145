/**
 * From a tree of definitions (with line ranges) to the file's chunks. Shared by
 * every parsed language and by markdown; knows nothing about syntax.
 *
 * The rules, in order:
 *
 * 1. Every chunk-worthy definition gets its own chunk(s). Two definitions are
 *    never merged into one chunk, whatever their size: each keeps its symbol
 *    path. (Exception: definitions sharing a line, e.g. minified code, share a
 *    chunk named after the first, because chunks are whole lines.)
 * 2. The lines between definitions of one scope (imports, statements, fields,
 *    stray comments, closing braces) form "filler" runs, blank lines trimmed.
 *    A run becomes a `statements` chunk, window-split if too big.
 * 3. A tiny run (fewer than minChunkLines lines of content, closing-only
 *    lines like `}` or `end` not counted, and under minChunkChars
 *    characters) is merged into the neighbouring definition or header it sits
 *    closer to (fewer blank lines between; ties go to the one above), unless
 *    that would push a chunk that fits the bounds over them; then into the
 *    other neighbour; else it stays a small chunk of its own. (A neighbour
 *    that is too big is split anyway, rules 4-5, and the run simply joins its
 *    first or last piece.) So `package x` + imports join the first function,
 *    a class's closing brace joins its last method, and a one-line
 *    `module.exports = f` joins `f`.
 * Symbol-only definitions (fields, one-line constants, type aliases,
 * prototypes) are statements for this purpose; see extract.ts.
 * 4. A definition that fits the bounds is one chunk of its own kind. One that
 *    does not, and has member definitions, becomes a `header` chunk (from its
 *    first line, docs included, up to its first member: the signature plus any
 *    fields declared before that member) followed by its members laid out with
 *    these same rules, recursively. The closing line(s) are a tiny run and so
 *    usually join the last member.
 * 5. Anything still too big (a long function, a header with hundreds of
 *    fields, a long statement run) is split into consecutive windows that keep
 *    the symbol path and kind.
 */
import type { SourceLines } from './lines.js';
import type { Chunk, ChunkKind, SymbolKind } from './types.js';
import { windowRanges } from './windows.js';

export interface DefNode {
  /** What the chunk is called (normally the dotted symbol path). */
  symbol: string;
  kind: SymbolKind;
  /** 1-based inclusive, leading docs/decorators included. */
  startLine: number;
  endLine: number;
  /** Member definitions that get chunks of their own when this one is split; sorted, disjoint. */
  children: DefNode[];
  /** Kind of this definition's header chunk when it is split (markdown uses `section`). */
  headerKind?: ChunkKind;
}

export interface LayoutBounds {
  maxLines: number;
  maxChars: number;
  minLines: number;
  minChars: number;
}

type Unit =
  | { type: 'def'; def: DefNode; start: number; end: number }
  | { type: 'header'; def: DefNode; start: number; end: number }
  | { type: 'filler'; start: number; end: number };

export function layoutFile(src: SourceLines, defs: DefNode[], bounds: LayoutBounds): Chunk[] {
  const out: Chunk[] = [];
  const top = normalize(defs, 1, src.count);
  for (const u of layoutScope(src, top, 1, src.count, null, bounds)) emitUnit(src, u, bounds, out);
  return out;
}

/**
 * Sort, clamp to [lo, hi], and resolve definitions that share lines: the later
 * one is folded into the earlier (rule 1's exception), which then can no
 * longer be split by members. Children are normalized within their parent and
 * must start strictly after the parent's first line (else there would be no
 * header line), or the parent is not splittable.
 */
function normalize(defs: DefNode[], lo: number, hi: number): DefNode[] {
  const sorted = defs
    .map((d) => ({ ...d, startLine: Math.max(lo, d.startLine), endLine: Math.min(hi, d.endLine) }))
    .filter((d) => d.startLine <= d.endLine)
    .sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  const out: DefNode[] = [];
  for (const d of sorted) {
    const prev = out[out.length - 1];
    if (prev && d.startLine <= prev.endLine) {
      prev.endLine = Math.max(prev.endLine, d.endLine);
      prev.children = [];
      continue;
    }
    out.push(d);
  }
  for (const d of out) {
    const kids = normalize(d.children, d.startLine, d.endLine);
    d.children = kids.length && kids[0].startLine > d.startLine ? kids : [];
  }
  return out;
}

/** Units for one scope: an optional header, then definitions and the filler runs between them (rules 2-3). */
function layoutScope(src: SourceLines, defs: DefNode[], from: number, to: number, header: Unit | null, bounds: LayoutBounds): Unit[] {
  const units: Unit[] = header ? [header] : [];
  let cursor = from;
  const pushFiller = (s: number, e: number) => {
    const a = src.firstNonBlank(s, e);
    if (a !== -1) units.push({ type: 'filler', start: a, end: src.lastNonBlank(a, e) });
  };
  for (const d of defs) {
    if (d.startLine > cursor) pushFiller(cursor, d.startLine - 1);
    units.push({ type: 'def', def: d, start: d.startLine, end: d.endLine });
    cursor = d.endLine + 1;
  }
  if (cursor <= to) pushFiller(cursor, to);
  return mergeTiny(src, units, bounds);
}

function fits(src: SourceLines, s: number, e: number, b: LayoutBounds): boolean {
  return e - s + 1 <= b.maxLines && src.chars(s, e) <= b.maxChars;
}

/** Closing lines (`}`, `});`, `end`, `} // namespace x`) carry no content of their own. */
const CLOSER_ONLY = /^\s*(?:[)\]}]|end\b)(?:[\s)\]};,.]|end\b)*(?:(?:\/\/|#).*)?$/;

/**
 * Tiny: under minChunkChars characters and fewer than minChunkLines lines of
 * content; closing-only lines do not count, so the `end end end` that closes
 * three nested Ruby scopes is still tiny.
 */
function isTiny(src: SourceLines, u: Unit, b: LayoutBounds): boolean {
  if (src.chars(u.start, u.end) >= b.minChars) return false;
  let content = 0;
  for (let n = u.start; n <= u.end; n++) {
    if (!src.isBlank(n) && !CLOSER_ONLY.test(src.line(n))) content++;
  }
  return content < b.minLines;
}

/** Rule 3, in one left-to-right pass (a neighbour grown by one merge is seen with its new range by the next run). */
function mergeTiny(src: SourceLines, units: Unit[], b: LayoutBounds): Unit[] {
  const out: Unit[] = [];
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    if (u.type !== 'filler' || !isTiny(src, u, b)) {
      out.push(u);
      continue;
    }
    // A filler is never next to another filler (runs are maximal), so neighbours are definitions or headers.
    const last = out[out.length - 1];
    const prev = last && last.type !== 'filler' ? last : null;
    const following = units[i + 1];
    const next = following && following.type !== 'filler' ? following : null;
    const gapBefore = prev ? u.start - prev.end - 1 : Infinity;
    const gapAfter = next ? next.start - u.end - 1 : Infinity;
    const order = gapAfter < gapBefore ? [next, prev] : [prev, next];
    let merged = false;
    for (const target of order) {
      if (!target) continue;
      const s = Math.min(target.start, u.start);
      const e = Math.max(target.end, u.end);
      // Joining a neighbour that is split anyway (too big) cannot break a bound: the run ends up
      // in its first or last piece. Joining one that fits must keep it fitting.
      if (!fits(src, s, e, b) && fits(src, target.start, target.end, b)) continue;
      target.start = s;
      target.end = e;
      merged = true;
      break;
    }
    if (!merged) out.push(u);
  }
  return out;
}

function emitUnit(src: SourceLines, u: Unit, b: LayoutBounds, out: Chunk[]): void {
  if (u.type === 'filler') emitWindows(src, u.start, u.end, 'statements', null, b, out);
  else if (u.type === 'header') emitWindows(src, u.start, u.end, u.def.headerKind ?? 'header', u.def.symbol, b, out);
  else emitDef(src, u.def, u.start, u.end, b, out);
}

/** Rules 4-5 for one definition occupying lines s..e (its own range, maybe grown by a merged tiny run). */
function emitDef(src: SourceLines, d: DefNode, s: number, e: number, b: LayoutBounds, out: Chunk[]): void {
  if (fits(src, s, e, b) || d.children.length === 0) {
    emitWindows(src, s, e, d.kind, d.symbol, b, out);
    return;
  }
  const first = d.children[0];
  const headerEnd = src.lastNonBlank(s, first.startLine - 1);
  const header: Unit = { type: 'header', def: d, start: s, end: headerEnd === -1 ? s : headerEnd };
  for (const u of layoutScope(src, d.children, first.startLine, e, header, b)) emitUnit(src, u, b, out);
}

function emitWindows(src: SourceLines, s: number, e: number, kind: ChunkKind, symbol: string | null, b: LayoutBounds, out: Chunk[]): void {
  for (const [ws, we] of windowRanges(src, s, e, b.maxLines, b.maxChars)) {
    out.push({ startLine: ws, endLine: we, text: src.text(ws, we), symbol, kind });
  }
}
