/** What the chunker produces for one file. Lines are 1-based and inclusive everywhere. */
import type { FileGraph } from './graph/types.js';

export type { CodePattern, FileGraph, GraphImport, GraphRef, PatternTag, RefKind } from './graph/types.js';

export type SymbolKind =
  | 'function'
  | 'method'
  | 'constructor'
  | 'class'
  | 'interface'
  | 'struct'
  | 'enum'
  | 'trait'
  | 'impl'
  | 'module'
  | 'namespace'
  | 'type'
  | 'variable'
  | 'constant'
  | 'field'
  | 'property'
  | 'macro'
  | 'section';

/** What a chunk holds: a definition, a class/impl header, top-level statements, or a fallback window. */
export type ChunkKind = SymbolKind | 'header' | 'statements' | 'window';

export interface Chunk {
  startLine: number;
  endLine: number;
  /** The exact source text of lines startLine..endLine (joined with '\n'). */
  text: string;
  /** Dotted symbol path, e.g. `Cache.invalidate`; null for statements and windows. */
  symbol: string | null;
  kind: ChunkKind;
}

export interface SymbolInfo {
  name: string;
  kind: SymbolKind;
  /** Dotted path of the enclosing symbol (`Outer.Inner`), or null at top level. */
  container: string | null;
  startLine: number;
  endLine: number;
  /** 0-based UTF-16 column of the name's first character on the name's line. */
  nameLine: number;
  nameColumn: number;
  /** First line of the definition, trimmed and bounded (for display). */
  signature: string;
}

export interface ParsedFile {
  language: string;
  chunks: Chunk[];
  symbols: SymbolInfo[];
  /** True when tree-sitter was not used or failed and line windows were produced instead. */
  fallback: boolean;
  /** Why the parse fell back, when it did because of an error. */
  parseError?: string;
  /** Code graph facts (references, imports), for languages the graph covers (lang/graph/). */
  graph?: FileGraph;
}

/** Bounds and limits for parseFile. Every field is optional; defaults are in chunker.ts (DEFAULT_CHUNK_OPTIONS). */
export interface ChunkOptions {
  /** Longest chunk, in lines. Longer definitions are split into windows that keep their symbol. Default 120. */
  maxChunkLines?: number;
  /** Largest chunk, in characters (a single longer line still makes one chunk). Default 6000. */
  maxChunkChars?: number;
  /**
   * A run of statements between definitions with fewer non-blank lines than this
   * (and under minChunkChars) is merged into a neighbouring chunk. Default 3.
   */
  minChunkLines?: number;
  /** See minChunkLines. Default 200. */
  minChunkChars?: number;
  /** Window height for languages without a parser. Default 60. */
  windowLines?: number;
  /** Files longer than this (characters) are not given to tree-sitter; they get windows. Default 4,000,000. */
  maxParseChars?: number;
  /** A parse running longer than this is cancelled; the file gets windows. Default 10,000 ms. */
  parseTimeoutMs?: number;
  /** Extract the code graph's facts too (lang/graph/). Default true. */
  graph?: boolean;
}
