/**
 * What the graph extractor records for one file: identifier uses with their
 * enclosing symbol, and imports with what they bind. Facts are per content (like
 * chunks), never resolved here: resolution needs the other files of a view.
 * Lines are 1-based; columns 0-based UTF-16 (as SymbolInfo).
 */

/** How a name is used. */
export type RefKind = 'call' | 'read' | 'write' | 'import' | 'type' | 'inherit';

export const REF_KINDS: readonly RefKind[] = ['call', 'read', 'write', 'import', 'type', 'inherit'];

export interface GraphRef {
  name: string;
  line: number;
  column: number;
  kind: RefKind;
  /** Dotted path of the innermost symbol holding the use (`Cache.get`), or null at top level. */
  enclosing: string | null;
  /**
   * What the name is reached through: null for a bare name, the receiver's dotted text for
   * `a.b.name` (`self`, `this`, `os.path`, `Foo`), `?` for any other expression.
   */
  qualifier: string | null;
  /** A bare name bound in an enclosing function (parameter, local variable): not a module-level definition. */
  local: boolean;
}

export interface GraphImport {
  /** The name bound in this file (`*` for a wildcard import). */
  local: string;
  /** The module as written (`./util`, `..pkg.mod`, `a/b/c`, `java.util`, `crate::x`). */
  module: string;
  /** The imported member, or null when the module itself is bound (`import x`, `import * as x`). */
  name: string | null;
  line: number;
}

/** A recognised code pattern on a line (a chunk's tags are the patterns on its lines). */
export type PatternTag = 'endpoint' | 'db-query' | 'error-handling';

export const PATTERN_TAGS: readonly PatternTag[] = ['endpoint', 'db-query', 'error-handling'];

export interface CodePattern {
  tag: PatternTag;
  line: number;
  /** Endpoint: `METHOD /path`; db query: the call or the SQL's first words; error handling: the construct. */
  detail: string;
  /** Endpoint: the handler's name when the syntax says it (decorated function, last argument). */
  handler: string | null;
}

export interface FileGraph {
  refs: GraphRef[];
  imports: GraphImport[];
  /** Endpoints, database queries, error handling (patterns.ts). */
  patterns?: CodePattern[];
  /** Declared package (Go, Java), when the language has one. */
  pkg: string | null;
}

/** Bump when the extractor's output changes for any input: stored facts of older versions are redone. */
export const GRAPH_VERSION = 1;
