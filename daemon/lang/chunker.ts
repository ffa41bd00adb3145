/**
 * parseFile: one file's text -> chunks and symbols.
 *
 *  - tree-sitter languages: definitions and symbols from the tree
 *    (extract.ts + rules/<lang>.ts), laid out into chunks by layout.ts;
 *  - markdown: heading sections (markdown.ts), same layout;
 *  - anything else, and any file tree-sitter cannot handle (too large, parse
 *    timeout, parser failure, or syntax errors leaving no definition at all):
 *    line windows, `fallback: true`.
 *
 * Always resolves; never throws for bad input. Every chunk covers whole lines,
 * chunks are in order and disjoint, and together they cover every non-blank
 * line of the file.
 */
import type { Tree } from 'web-tree-sitter';
import { discardParser, parserFor } from './grammars.js';
import { extractDefinitions } from './extract.js';
import { extractGraph } from './graph/extract-graph.js';
import { layoutFile, type LayoutBounds } from './layout.js';
import { SourceLines } from './lines.js';
import { extractMarkdown } from './markdown.js';
import { rulesFor } from './rules/index.js';
import type { ChunkOptions, ParsedFile } from './types.js';
import { windowRanges } from './windows.js';

export type { ChunkOptions } from './types.js';

export const DEFAULT_CHUNK_OPTIONS: Readonly<Required<ChunkOptions>> = Object.freeze({
  maxChunkLines: 120,
  maxChunkChars: 6000,
  minChunkLines: 3,
  minChunkChars: 200,
  windowLines: 60,
  maxParseChars: 4_000_000,
  parseTimeoutMs: 10_000,
  graph: true,
});

function resolveOptions(opts: ChunkOptions | undefined): Required<ChunkOptions> {
  const o = { ...DEFAULT_CHUNK_OPTIONS, ...stripUndefined(opts ?? {}) };
  const atLeast = (v: number, min: number) => (Number.isFinite(v) ? Math.max(min, Math.floor(v)) : min);
  return {
    maxChunkLines: atLeast(o.maxChunkLines, 1),
    maxChunkChars: atLeast(o.maxChunkChars, 1),
    minChunkLines: atLeast(o.minChunkLines, 0),
    minChunkChars: atLeast(o.minChunkChars, 0),
    windowLines: Math.min(atLeast(o.windowLines, 1), atLeast(o.maxChunkLines, 1)),
    maxParseChars: atLeast(o.maxParseChars, 0),
    parseTimeoutMs: atLeast(o.parseTimeoutMs, 1),
    graph: o.graph !== false,
  };
}

function stripUndefined(o: ChunkOptions): ChunkOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ChunkOptions;
}

export async function parseFile(path: string, text: string, language: string, opts?: ChunkOptions): Promise<ParsedFile> {
  const o = resolveOptions(opts);
  const src = new SourceLines(text);
  const bounds: LayoutBounds = {
    maxLines: o.maxChunkLines,
    maxChars: o.maxChunkChars,
    minLines: o.minChunkLines,
    minChars: o.minChunkChars,
  };

  if (src.nonBlankCount(1, src.count) === 0) return { language, chunks: [], symbols: [], fallback: false };

  if (language === 'markdown') {
    const { defs, symbols } = extractMarkdown(src);
    return { language, chunks: layoutFile(src, defs, bounds), symbols, fallback: false };
  }

  const rules = rulesFor(language);
  if (!rules) return windows(language, src, o);
  if (text.length > o.maxParseChars) {
    return windows(language, src, o, `file too large to parse (${text.length} > ${o.maxParseChars} characters)`);
  }

  let tree: Tree | null;
  try {
    const parser = await parserFor(rules.grammar);
    const deadline = performance.now() + o.parseTimeoutMs;
    // Returning true from the progress callback cancels the parse (the tree is then null).
    tree = parser.parse(text, null, { progressCallback: () => performance.now() > deadline });
    if (!tree) {
      parser.reset();
      return windows(language, src, o, `parse timed out after ${o.parseTimeoutMs} ms`);
    }
  } catch (err) {
    // A wasm trap can leave the parser unusable: start the next file with a fresh one.
    discardParser(rules.grammar);
    return windows(language, src, o, `parser failed on ${path}: ${errorMessage(err)}`);
  }

  try {
    const root = tree.rootNode;
    const { defs, symbols } = extractDefinitions(root, rules, src);
    if (root.hasError && symbols.length === 0) {
      return windows(language, src, o, 'syntax errors; no definitions recovered');
    }
    const out: ParsedFile = { language, chunks: layoutFile(src, defs, bounds), symbols, fallback: false };
    const graph = o.graph ? graphOf(tree, language, text, symbols) : undefined;
    if (graph) out.graph = graph;
    return out;
  } catch (err) {
    return windows(language, src, o, `chunking failed on ${path}: ${errorMessage(err)}`);
  } finally {
    tree.delete();
  }
}

/** The no-parser result: consecutive line windows, no symbols. */
function windows(language: string, src: SourceLines, o: Required<ChunkOptions>, parseError?: string): ParsedFile {
  const chunks = windowRanges(src, 1, src.count, o.windowLines, o.maxChunkChars).map(([s, e]) => ({
    startLine: s,
    endLine: e,
    text: src.text(s, e),
    symbol: null,
    kind: 'window' as const,
  }));
  const out: ParsedFile = { language, chunks, symbols: [], fallback: true };
  if (parseError !== undefined) out.parseError = parseError;
  return out;
}

/** The code graph's facts from the same tree; a failure there costs the graph of this file, never its chunks. */
function graphOf(tree: Tree, language: string, text: string, symbols: ParsedFile['symbols']): ParsedFile['graph'] {
  try {
    return extractGraph(tree, language, text, symbols);
  } catch {
    return { refs: [], imports: [], pkg: null };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}
