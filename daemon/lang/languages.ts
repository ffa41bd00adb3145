/**
 * Which language a file is in, from its name (and optionally its first bytes).
 * Language ids are stable strings: they are stored with every file view and are
 * part of chunk cache keys, so renaming one re-indexes every file of it.
 */
import { basename, extname } from 'node:path';

/**
 * Bump whenever chunk or symbol output changes for any input (rules, bounds,
 * merge policy): it is part of the content-addressed cache keys, so a bump
 * makes every file re-parse once instead of serving stale chunks.
 */
export const CHUNKER_VERSION = 2;

/** Languages with a tree-sitter grammar (see grammars.ts). */
export const TREE_SITTER_LANGUAGES: readonly string[] = [
  'python',
  'javascript',
  'jsx',
  'typescript',
  'tsx',
  'java',
  'c',
  'cpp',
  'go',
  'rust',
  'ruby',
  'csharp',
  'php',
];

/** Languages chunked by a dedicated non-tree-sitter rule. */
export const STRUCTURED_TEXT_LANGUAGES: readonly string[] = ['markdown'];

const BY_EXTENSION: Record<string, string> = {
  // tree-sitter languages
  '.py': 'python',
  '.pyi': 'python',
  '.pyw': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'jsx',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.java': 'java',
  '.c': 'c',
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.c++': 'cpp',
  '.hh': 'cpp',
  '.hpp': 'cpp',
  '.hxx': 'cpp',
  '.h++': 'cpp',
  '.ipp': 'cpp',
  '.tpp': 'cpp',
  '.inl': 'cpp',
  '.go': 'go',
  '.rs': 'rust',
  '.rb': 'ruby',
  '.rake': 'ruby',
  '.gemspec': 'ruby',
  '.cs': 'csharp',
  '.php': 'php',
  '.phtml': 'php',
  // markdown (heading sections)
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  // everything below gets line-window chunks
  '.json': 'json',
  '.jsonc': 'json',
  '.json5': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
  '.ini': 'ini',
  '.cfg': 'ini',
  '.conf': 'ini',
  '.properties': 'properties',
  '.xml': 'xml',
  '.xsd': 'xml',
  '.svg': 'xml',
  '.plist': 'xml',
  '.csproj': 'xml',
  '.html': 'html',
  '.htm': 'html',
  '.vue': 'vue',
  '.svelte': 'svelte',
  '.css': 'css',
  '.scss': 'scss',
  '.sass': 'scss',
  '.less': 'less',
  '.sh': 'shell',
  '.bash': 'shell',
  '.zsh': 'shell',
  '.fish': 'shell',
  '.ps1': 'powershell',
  '.bat': 'batch',
  '.cmd': 'batch',
  '.sql': 'sql',
  '.graphql': 'graphql',
  '.gql': 'graphql',
  '.proto': 'protobuf',
  '.kt': 'kotlin',
  '.kts': 'kotlin',
  '.scala': 'scala',
  '.sc': 'scala',
  '.swift': 'swift',
  '.m': 'objc',
  '.mm': 'objc',
  '.lua': 'lua',
  '.pl': 'perl',
  '.pm': 'perl',
  '.r': 'r',
  '.jl': 'julia',
  '.dart': 'dart',
  '.ex': 'elixir',
  '.exs': 'elixir',
  '.erl': 'erlang',
  '.hrl': 'erlang',
  '.hs': 'haskell',
  '.ml': 'ocaml',
  '.mli': 'ocaml',
  '.fs': 'fsharp',
  '.fsx': 'fsharp',
  '.clj': 'clojure',
  '.cljs': 'clojure',
  '.el': 'elisp',
  '.vim': 'vim',
  '.zig': 'zig',
  '.nim': 'nim',
  '.groovy': 'groovy',
  '.gradle': 'groovy',
  '.tf': 'hcl',
  '.hcl': 'hcl',
  '.cmake': 'cmake',
  '.mk': 'make',
  '.dockerfile': 'dockerfile',
  '.rst': 'rst',
  '.adoc': 'asciidoc',
  '.tex': 'latex',
  '.txt': 'text',
  '.text': 'text',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.env': 'dotenv',
};

/** File names compared case-sensitively: `BUILD` is Bazel, a `build` script is not. */
const BY_EXACT_NAME: Record<string, string> = {
  BUILD: 'starlark',
  WORKSPACE: 'starlark',
};

/** Well-known file names, compared lower-cased. */
const BY_NAME: Record<string, string> = {
  makefile: 'make',
  gnumakefile: 'make',
  'cmakelists.txt': 'cmake',
  dockerfile: 'dockerfile',
  containerfile: 'dockerfile',
  gemfile: 'ruby',
  rakefile: 'ruby',
  guardfile: 'ruby',
  podfile: 'ruby',
  vagrantfile: 'ruby',
  brewfile: 'ruby',
  'build.bazel': 'starlark',
  'workspace.bazel': 'starlark',
  '.bashrc': 'shell',
  '.bash_profile': 'shell',
  '.zshrc': 'shell',
  '.profile': 'shell',
  '.gitignore': 'text',
  '.gitattributes': 'text',
  '.dockerignore': 'text',
  '.editorconfig': 'ini',
  '.npmrc': 'ini',
  'go.mod': 'text',
  'go.sum': 'text',
  'cargo.lock': 'toml',
  pipfile: 'toml',
};

/** Interpreters named on a `#!` line. */
const BY_INTERPRETER: Record<string, string> = {
  python: 'python',
  node: 'javascript',
  deno: 'typescript',
  bun: 'javascript',
  ruby: 'ruby',
  php: 'php',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  dash: 'shell',
  ksh: 'shell',
  fish: 'shell',
  perl: 'perl',
  lua: 'lua',
};

/** C++-only constructs: enough to tell a C++ header from a C one in its first few KiB. */
const CPP_HEADER_HINT =
  /^\s*(?:namespace\s+\w|template\s*<|class\s+\w+[^;]*\{|(?:public|private|protected)\s*:)|\bstd::|#include\s*<(?:string|vector|memory|map|iostream|cstdint)>/m;

/** A table lookup that ignores Object.prototype (a file named `constructor` is not a function). */
function own(table: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * The language id for a path, or null when the name says nothing (the pipeline
 * then decides, usually `text` after its own binary check).
 *
 * `sample`, when given, is the start of the file: it resolves `.h` as C or C++
 * and extensionless scripts by their `#!` line.
 */
export function languageForPath(path: string, sample?: string): string | null {
  const name = basename(path);
  const lower = name.toLowerCase();
  const byName = own(BY_EXACT_NAME, name) ?? own(BY_NAME, lower);
  if (byName) return byName;
  if (lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile')) return 'dockerfile';
  // `.env`, `.env.local`, `.env.production`: dotfiles have no extension as far as extname is concerned.
  if (lower === '.env' || lower.startsWith('.env.')) return 'dotenv';

  const ext = extname(lower);
  if (ext) {
    const lang = own(BY_EXTENSION, ext);
    if (lang === 'c' && ext === '.h' && sample !== undefined && CPP_HEADER_HINT.test(sample)) return 'cpp';
    if (lang) return lang;
    // `config.json.example`, `app.conf.sample`: look at the inner extension once.
    const inner = extname(lower.slice(0, -ext.length));
    const innerLang = inner ? own(BY_EXTENSION, inner) : undefined;
    if (innerLang && /^\.(?:local|sample|example|dist|template|in|orig)$/.test(ext)) return innerLang;
    return null;
  }

  // No extension: a script (by its #! line) or a plain text file (LICENSE, AUTHORS, ...).
  if (sample !== undefined) {
    const shebang = /^#!\s*(?:\S*\/)?(?:env\s+(?:-\S+\s+)*)?([A-Za-z]+)/.exec(sample);
    if (shebang) {
      const interp = shebang[1].replace(/\d+$/, '');
      return own(BY_INTERPRETER, interp) ?? 'shell';
    }
  }
  return 'text';
}

/** True when the chunker has a real parser for the language (tree-sitter or a dedicated rule). */
export function hasStructuredChunker(language: string): boolean {
  return TREE_SITTER_LANGUAGES.includes(language) || STRUCTURED_TEXT_LANGUAGES.includes(language);
}
