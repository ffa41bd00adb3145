/** What the chunker produces for one file. Lines are 1-based and inclusive everywhere. */

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
}
