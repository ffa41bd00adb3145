/** Shapes the graph queries answer with (CLI JSON, MCP structured output, LSP). Lines 1-based; columns 1-based. */
import type { RefKind, SymbolKind } from '../lang/types.js';

export interface GraphDefinition {
  path: string;
  /** Where the name is written. */
  line: number;
  column: number;
  startLine: number;
  endLine: number;
  name: string;
  kind: SymbolKind;
  /** Dotted symbol path (`Cache.get`). */
  symbol: string;
  language: string;
}

export interface RefSite {
  path: string;
  line: number;
  column: number;
  kind: RefKind;
  /** The symbol the use sits in (dotted), or null at top level. */
  symbol: string | null;
  confidence: number;
}

export interface CallNode {
  /** The calling (callers) or called (callees) definition; `symbol` null for top-level code of a file. */
  symbol: string | null;
  path: string;
  line: number;
  kind: SymbolKind | 'module';
  confidence: number;
  /** 1 for direct callers/callees, n for n calls away. */
  depth: number;
  /** The call sites (lines) behind this edge. */
  sites: number[];
  /** What this node calls (callers) or is called by (callees), as a dotted symbol. */
  via: string;
}

export interface ImpactReport {
  /** What changed, as definitions of the current view (or files for changes outside any definition). */
  changed: (GraphDefinition & { lines: [number, number]; deleted: boolean })[];
  callers: CallNode[];
  /** Test files that reach a changed definition, through the callers found. */
  tests: { path: string; symbol: string | null; confidence: number; depth: number }[];
  /** Files changed together with the changed files in past commits (history), with confidence = shared / commits of the file. */
  coChange: { path: string; with: string; commits: number; confidence: number }[];
  /** How the change was described (`HEAD~1..HEAD`, `working tree`, `staged`, a target). */
  source: string;
}
