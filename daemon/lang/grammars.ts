/**
 * Lazy, cached tree-sitter grammars. Each grammar's wasm is loaded the first
 * time a file of that language is parsed, once per thread (every parse worker
 * has its own wasm instance), and kept for the life of the thread.
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

/** A grammar (one wasm); several language ids may share one (javascript and jsx). */
export type GrammarId = 'python' | 'javascript' | 'typescript' | 'tsx' | 'java' | 'c' | 'cpp' | 'go' | 'rust' | 'ruby' | 'csharp' | 'php';

/** Module-relative wasm paths, resolved through node_modules so a compiled dist/ finds them too. */
const WASM: Record<GrammarId, string> = {
  python: 'tree-sitter-python/tree-sitter-python.wasm',
  javascript: 'tree-sitter-javascript/tree-sitter-javascript.wasm',
  typescript: 'tree-sitter-typescript/tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-typescript/tree-sitter-tsx.wasm',
  java: 'tree-sitter-java/tree-sitter-java.wasm',
  c: 'tree-sitter-c/tree-sitter-c.wasm',
  cpp: 'tree-sitter-cpp/tree-sitter-cpp.wasm',
  go: 'tree-sitter-go/tree-sitter-go.wasm',
  rust: 'tree-sitter-rust/tree-sitter-rust.wasm',
  ruby: 'tree-sitter-ruby/tree-sitter-ruby.wasm',
  csharp: 'tree-sitter-c-sharp/tree-sitter-c_sharp.wasm',
  // The full PHP grammar (not php_only): real files start with `<?php` and may hold HTML.
  php: 'tree-sitter-php/tree-sitter-php.wasm',
};

const require = createRequire(import.meta.url);

let initPromise: Promise<void> | null = null;
const languages = new Map<GrammarId, Promise<Language>>();
const parsers = new Map<GrammarId, Parser>();

/** Parser.init() must run once per thread before any Language.load / new Parser. */
function init(): Promise<void> {
  initPromise ??= Parser.init().catch((err: unknown) => {
    initPromise = null; // let a later call retry instead of caching the failure forever
    throw err;
  });
  return initPromise;
}

export function grammarWasmPath(id: GrammarId): string {
  return require.resolve(WASM[id]);
}

export async function loadLanguage(id: GrammarId): Promise<Language> {
  let p = languages.get(id);
  if (!p) {
    p = init().then(() => Language.load(grammarWasmPath(id)));
    p.catch(() => languages.delete(id));
    languages.set(id, p);
  }
  return p;
}

/**
 * A parser bound to the grammar. One per grammar per thread: parsing is
 * synchronous, so a thread never uses two at once, and keeping one per grammar
 * avoids re-binding the language on every file.
 */
export async function parserFor(id: GrammarId): Promise<Parser> {
  const existing = parsers.get(id);
  if (existing) return existing;
  const language = await loadLanguage(id);
  // Re-check: a concurrent caller may have created it while we awaited.
  const again = parsers.get(id);
  if (again) return again;
  const parser = new Parser();
  parser.setLanguage(language);
  parsers.set(id, parser);
  return parser;
}

/** Drop a parser after a failure (e.g. a wasm trap) so the next file gets a fresh one. */
export function discardParser(id: GrammarId): void {
  const parser = parsers.get(id);
  parsers.delete(id);
  try {
    parser?.delete();
  } catch {
    // The parser's memory may already be unusable after a trap; nothing more to free.
  }
}

export const ALL_GRAMMARS: readonly GrammarId[] = Object.keys(WASM) as GrammarId[];
