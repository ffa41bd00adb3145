/**
 * Builds the bench/quality sets: for each set of sets.json, the pinned package
 * is fetched through its registry (Debian: apt-get download + dpkg -x; npm:
 * npm pack), its source files of the set's language become a git repository
 * with one commit and every doc comment stripped, and the documented functions
 * become queries (query = the doc's first sentence, target = that function's
 * lines in the stripped copy).
 *
 *   node --import tsx bench/quality/make-sets.ts [--only NAME,NAME]
 *
 * Doc comments: Python docstrings (make_dataset.py, with the ast module);
 * JS/TS JSDoc `/** *\/` blocks, Go `//` blocks before a func, Java Javadoc,
 * with contextd's tree-sitter grammars. Filters (as CodeSearchNet): no test
 * files or test functions (test files stay in the repository: they are part of
 * the candidate pool), bodies of at least 3 lines, queries of at least 3 words,
 * queries that occur once in the set. Everything is cached under
 * BENCH_CACHE/quality-sets (downloads under BENCH_CACHE/quality-src), rebuilt
 * when the set's definition or this builder's version changes.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Node as TsNode } from 'web-tree-sitter';
import { parserFor, type GrammarId } from '../../daemon/lang/grammars.js';
import { BENCH_CACHE, git } from '../corpus.js';

export const BUILDER_VERSION = 4;

export interface SourceSpec {
  deb?: string;
  npm?: string;
  version: string;
  path?: string;
  zip?: string;
  modules?: string[];
  include?: string[];
  exclude?: string[];
}
export interface SetSpec {
  name: string;
  language: 'python' | 'javascript' | 'typescript' | 'go' | 'java';
  split: 'dev' | 'report';
  sources: SourceSpec[];
}
export interface Query {
  query: string;
  path: string;
  symbol: string;
  startLine: number;
  endLine: number;
}
export interface BuiltSet {
  spec: SetSpec;
  repo: string;
  queries: Query[];
  files: number;
}

export function loadSpecs(): SetSpec[] {
  return (JSON.parse(readFileSync(join(import.meta.dirname, 'sets.json'), 'utf8')) as { sets: SetSpec[] }).sets;
}

const SRC = join(BENCH_CACHE, 'quality-src');
const SETS = join(BENCH_CACHE, 'quality-sets');

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The unpacked package (downloaded once). */
function fetchSource(s: SourceSpec): string {
  const id = s.deb ? `deb-${s.deb}-${s.version}` : `npm-${s.npm}-${s.version}`;
  const dir = join(SRC, 'x', id.replace(/[^\w.+-]/g, '_'));
  if (existsSync(join(dir, '.done'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dl = join(SRC, s.deb ? 'debs' : 'npm');
  mkdirSync(dl, { recursive: true });
  if (s.deb) {
    const have = readdirSync(dl).find((f) => f.startsWith(`${s.deb}_`) && f.endsWith('.deb') && f.includes(s.version.replace(/:/g, '%3a')));
    let deb = have;
    if (!deb) {
      run('apt-get', ['download', `${s.deb}=${s.version}`], dl);
      deb = readdirSync(dl).find((f) => f.startsWith(`${s.deb}_`) && f.endsWith('.deb'));
    }
    run('dpkg', ['-x', join(dl, deb!), dir], dl);
  } else {
    const tgz = `${s.npm!.replace(/^@/, '').replace('/', '-')}-${s.version}.tgz`;
    if (!existsSync(join(dl, tgz))) run('npm', ['pack', `${s.npm}@${s.version}`], dl);
    run('tar', ['xzf', join(dl, tgz), '-C', dir], dl);
  }
  writeFileSync(join(dir, '.done'), '');
  return dir;
}

const EXTENSIONS: Record<SetSpec['language'], RegExp> = {
  python: /\.py$/,
  javascript: /\.(js|mjs|cjs|ts|mts|cts|d\.ts)$/,
  typescript: /\.(ts|mts|cts|js|mjs)$/,
  go: /\.go$/,
  java: /\.java$/,
};

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '__pycache__' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The set's raw source files (doc comments still in), relative path → text. */
function rawFiles(spec: SetSpec): Map<string, string> {
  const files = new Map<string, string>();
  for (const s of spec.sources) {
    const root = fetchSource(s);
    if (s.zip) {
      const out = join(root, 'unzipped');
      for (const m of s.modules!) {
        if (existsSync(join(out, `.${m}.done`))) continue;
        mkdirSync(out, { recursive: true });
        run('unzip', ['-q', '-o', join(root, s.zip), `${m}/*`, '-d', out], root);
        writeFileSync(join(out, `.${m}.done`), '');
      }
      for (const m of s.modules!) {
        for (const p of walk(join(out, m))) if (EXTENSIONS[spec.language].test(p)) files.set(relative(out, p), readFileSync(p, 'utf8'));
      }
      continue;
    }
    const base = join(root, s.path!);
    for (const p of walk(base)) {
      const rel = relative(base, p);
      if (!EXTENSIONS[spec.language].test(rel)) continue;
      if (/\.min\.js$/.test(rel)) continue;
      if (s.include && !s.include.some((i) => rel.startsWith(i))) continue;
      if (s.exclude?.some((x) => rel === x || rel.startsWith(x))) continue;
      files.set(rel, readFileSync(p, 'utf8'));
    }
  }
  return files;
}

/** Test code: indexed (the candidate pool is the whole repository) but never a target. */
export function isTestPath(path: string): boolean {
  const parts = path.split('/');
  const leaf = parts[parts.length - 1];
  return (
    parts.slice(0, -1).some((p) => /^(tests?|__tests__|spec|specs|testdata|testing|idle_test)$/.test(p)) ||
    /(_test\.go|\.(test|spec)\.[cm]?[jt]s)$/.test(leaf) ||
    /^test_.*\.py$|_test\.py$|^conftest\.py$/.test(leaf)
  );
}

/** The first sentence of a doc comment's text (already without comment markers). */
export function firstSentence(text: string): string {
  const para = text.trim().split(/\n\s*\n/)[0];
  const flat = para.split(/\s+/).join(' ');
  const m = /^(.+?[.!?])(\s|$)/.exec(flat);
  return (m ? m[1] : flat).trim();
}

/** JSDoc / Javadoc body: markers off, description before the first block tag, inline tags and HTML reduced to their text. */
function blockDocText(comment: string): string {
  const body = comment
    .replace(/^\/\*\*+/, '')
    .replace(/\*+\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*( ?)/, ''));
  const desc: string[] = [];
  for (const l of body) {
    if (/^\s*@\w/.test(l)) break;
    desc.push(l);
  }
  return desc
    .join('\n')
    .replace(/\{@(?:link|linkplain|code|literal|value)\s+([^}]*)\}/g, (_, inner: string) => {
      const t = inner.trim();
      const label = /\s(.+)$/.exec(t);
      return label ? label[1] : t.replace(/^.*#/, '').replace(/\(.*\)$/, '');
    })
    .replace(/<\/?(p|P|br|BR|pre|code|em|i|b|strong|tt|ul|li|ol|a[^>]*|blockquote|dl|dt|dd)\s*\/?>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

interface Doc {
  /** 0-based rows the comment occupies (removed from the copy). */
  startRow: number;
  endRow: number;
  text: string;
  /** The documented function, if any: its name and 0-based rows. */
  target?: { name: string; startRow: number; endRow: number };
}

const JS_FUNCS = new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'function_signature']);
const JS_FN_VALUES = new Set(['function_expression', 'function', 'arrow_function', 'generator_function']);

function nameOf(n: TsNode): string {
  return n.childForFieldName('name')?.text ?? n.childForFieldName('left')?.text ?? '';
}

/** The function a JS/TS statement is (or declares), with the node whose rows are its target. */
function jsFunction(n: TsNode | null): { name: string; node: TsNode; signature: boolean } | null {
  if (!n) return null;
  if (JS_FUNCS.has(n.type)) return { name: nameOf(n), node: n, signature: n.type === 'function_signature' };
  if (n.type === 'export_statement') {
    const d = n.childForFieldName('declaration') ?? n.namedChildren.find((c) => c && JS_FN_VALUES.has(c.type)) ?? null;
    const inner = d && JS_FN_VALUES.has(d.type) ? { name: 'default', node: d, signature: false } : jsFunction(d);
    return inner ? { ...inner, node: n } : null;
  }
  if (n.type === 'lexical_declaration' || n.type === 'variable_declaration') {
    const decl = n.namedChildren.find((c) => c?.type === 'variable_declarator');
    const value = decl?.childForFieldName('value');
    return value && JS_FN_VALUES.has(value.type) ? { name: decl!.childForFieldName('name')?.text ?? '', node: n, signature: false } : null;
  }
  if (n.type === 'expression_statement') {
    const a = n.namedChildren[0];
    if (a?.type !== 'assignment_expression') return null;
    const right = a.childForFieldName('right');
    return right && JS_FN_VALUES.has(right.type) ? { name: a.childForFieldName('left')?.text ?? '', node: n, signature: false } : null;
  }
  if (n.type === 'pair' || n.type === 'public_field_definition' || n.type === 'field_definition') {
    const value = n.childForFieldName('value');
    const key = n.childForFieldName('key') ?? n.childForFieldName('name') ?? n.childForFieldName('property');
    return value && JS_FN_VALUES.has(value.type) ? { name: key?.text ?? '', node: n, signature: false } : null;
  }
  return null;
}

function ownLines(lines: string[], n: TsNode): boolean {
  return !lines[n.startPosition.row].slice(0, n.startPosition.column).trim() && !lines[n.endPosition.row].slice(n.endPosition.column).trim();
}

function walkNodes(n: TsNode, visit: (n: TsNode) => void): void {
  visit(n);
  for (const c of n.namedChildren) if (c) walkNodes(c, visit);
}

function jsDocs(root: TsNode, lines: string[]): Doc[] {
  const docs: Doc[] = [];
  walkNodes(root, (n) => {
    if (n.type !== 'comment' || !n.text.startsWith('/**') || !ownLines(lines, n)) return;
    const doc: Doc = { startRow: n.startPosition.row, endRow: n.endPosition.row, text: blockDocText(n.text) };
    let next = n.nextNamedSibling;
    while (next && next.type === 'decorator') next = next.nextNamedSibling;
    const fn = jsFunction(next);
    if (fn) {
      let target = fn;
      // A doc before the first overload signature documents the implementation that follows them.
      if (fn.signature) {
        let s = fn.node.nextNamedSibling;
        target = null as never;
        while (s) {
          const f = jsFunction(s);
          if (!f || f.name !== fn.name) break;
          if (!f.signature) {
            target = f;
            break;
          }
          s = s.nextNamedSibling;
        }
      }
      if (target) doc.target = { name: target.name, startRow: target.node.startPosition.row, endRow: target.node.endPosition.row };
    }
    docs.push(doc);
  });
  return docs;
}

function qualifiedJava(n: TsNode): string {
  const names = [nameOf(n)];
  for (let p = n.parent; p; p = p.parent) {
    if (/^(class|interface|enum|record)_declaration$/.test(p.type)) names.unshift(nameOf(p));
  }
  return names.join('.');
}

function javaDocs(root: TsNode, lines: string[]): Doc[] {
  const docs: Doc[] = [];
  walkNodes(root, (n) => {
    if ((n.type !== 'block_comment' && n.type !== 'comment') || !n.text.startsWith('/**') || !ownLines(lines, n)) return;
    const doc: Doc = { startRow: n.startPosition.row, endRow: n.endPosition.row, text: blockDocText(n.text) };
    const next = n.nextNamedSibling;
    if (next && (next.type === 'method_declaration' || next.type === 'constructor_declaration') && next.childForFieldName('body')) {
      doc.target = { name: qualifiedJava(next), startRow: next.startPosition.row, endRow: next.endPosition.row };
    }
    docs.push(doc);
  });
  return docs;
}

function goDocs(root: TsNode, lines: string[]): Doc[] {
  const docs: Doc[] = [];
  const kids = root.namedChildren.filter((c): c is TsNode => !!c);
  for (let i = 0; i < kids.length; i++) {
    const d = kids[i];
    if (d.type !== 'function_declaration' && d.type !== 'method_declaration') continue;
    // The comment block right above the func: consecutive `//` lines, the last on the line before it.
    let j = i - 1;
    let row = d.startPosition.row;
    const block: TsNode[] = [];
    while (j >= 0 && kids[j].type === 'comment' && kids[j].endPosition.row === row - 1 && kids[j].text.startsWith('//') && ownLines(lines, kids[j])) {
      block.unshift(kids[j]);
      row = kids[j].startPosition.row;
      j--;
    }
    const text = block
      .map((c) => c.text.replace(/^\/\/ ?/, ''))
      .filter((l) => !/^(go:|\+build|nolint)/.test(l))
      .join('\n');
    if (!block.length || !text.trim()) continue;
    let name = nameOf(d);
    const recv = d.childForFieldName('receiver');
    if (recv) name = `${recv.text.replace(/^\(\s*(\w+\s+)?\*?/, '').replace(/[\s)[].*$/, '')}.${name}`;
    docs.push({
      startRow: block[0].startPosition.row,
      endRow: block[block.length - 1].endPosition.row,
      text,
      target: { name, startRow: d.startPosition.row, endRow: d.endPosition.row },
    });
  }
  return docs;
}

function grammarFor(language: SetSpec['language'], path: string): GrammarId {
  if (language === 'go' || language === 'java') return language;
  if (/\.tsx$/.test(path)) return 'tsx';
  return /\.[cm]?ts$/.test(path) ? 'typescript' : 'javascript';
}

/** Strip one file's doc comments; its documented functions as candidate queries. */
async function treeSitterFile(language: SetSpec['language'], path: string, source: string): Promise<{ text: string; entries: Query[] }> {
  const parser = await parserFor(grammarFor(language, path));
  const tree = parser.parse(source);
  if (!tree) return { text: source, entries: [] };
  const lines = source.split('\n');
  let docs: Doc[];
  try {
    docs = language === 'go' ? goDocs(tree.rootNode, lines) : language === 'java' ? javaDocs(tree.rootNode, lines) : jsDocs(tree.rootNode, lines);
  } finally {
    tree.delete();
  }
  const removed = new Set<number>();
  for (const d of docs) for (let r = d.startRow; r <= d.endRow; r++) removed.add(r);
  const shift: number[] = [];
  let gone = 0;
  for (let r = 0; r < lines.length; r++) {
    shift.push(gone);
    if (removed.has(r)) gone++;
  }
  const text = lines.filter((_, r) => !removed.has(r)).join('\n');
  const entries: Query[] = [];
  for (const d of docs) {
    if (!d.target || !d.target.name) continue;
    const startLine = d.target.startRow - shift[d.target.startRow] + 1;
    const endLine = d.target.endRow - shift[d.target.endRow] + 1;
    entries.push({ query: firstSentence(d.text), path, symbol: d.target.name, startLine, endLine });
  }
  return { text, entries };
}

function filterQueries(entries: Query[]): Query[] {
  const kept = entries.filter((e) => {
    const leaf = e.symbol.slice(e.symbol.lastIndexOf('.') + 1);
    if (isTestPath(e.path) || /test/i.test(leaf)) return false;
    if (e.endLine - e.startLine + 1 < 3) return false;
    return (e.query.match(/[A-Za-z]+/g) ?? []).length >= 3;
  });
  const counts = new Map<string, number>();
  for (const e of kept) counts.set(e.query.toLowerCase(), (counts.get(e.query.toLowerCase()) ?? 0) + 1);
  return kept.filter((e) => counts.get(e.query.toLowerCase()) === 1);
}

function stamp(spec: SetSpec): string {
  return createHash('sha1')
    .update(JSON.stringify({ spec, BUILDER_VERSION, py: readFileSync(join(import.meta.dirname, 'make_dataset.py'), 'utf8') }))
    .digest('hex');
}

export async function buildSet(spec: SetSpec): Promise<BuiltSet> {
  const dir = join(SETS, spec.name);
  const repo = join(dir, 'repo');
  const qfile = join(dir, 'queries.json');
  const want = stamp(spec);
  if (existsSync(join(dir, 'stamp')) && readFileSync(join(dir, 'stamp'), 'utf8') === want) {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { files: number };
    return { spec, repo, queries: JSON.parse(readFileSync(qfile, 'utf8')) as Query[], files: meta.files };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  const raw = rawFiles(spec);
  let queries: Query[];
  let files = 0;
  if (spec.language === 'python') {
    const stage = join(dir, 'raw');
    for (const [rel, text] of raw) {
      mkdirSync(dirname(join(stage, rel)), { recursive: true });
      writeFileSync(join(stage, rel), text);
    }
    const out = join(dir, 'py-queries.json');
    run('python3', [join(import.meta.dirname, 'make_dataset.py'), stage, repo, out], dir);
    rmSync(stage, { recursive: true, force: true });
    queries = filterQueries(JSON.parse(readFileSync(out, 'utf8')) as Query[]);
    files = walk(repo).length;
  } else {
    const entries: Query[] = [];
    for (const [rel, source] of [...raw].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const { text, entries: e } = await treeSitterFile(spec.language, rel, source);
      mkdirSync(dirname(join(repo, rel)), { recursive: true });
      writeFileSync(join(repo, rel), text);
      entries.push(...e);
      files++;
    }
    queries = filterQueries(entries);
  }
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['add', '-A']);
  // No commit message: the history retriever must not match every chunk on a word of it.
  git(repo, ['commit', '-q', '--allow-empty-message', '-m', '']);
  writeFileSync(qfile, JSON.stringify(queries, null, 0));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ files, queries: queries.length }));
  writeFileSync(join(dir, 'stamp'), want);
  return { spec, repo, queries, files };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : null;
  for (const spec of loadSpecs()) {
    if (only && !only.includes(spec.name)) continue;
    const s = await buildSet(spec);
    console.log(`${spec.split}\t${spec.language}\t${spec.name}\tfiles ${s.files}\tqueries ${s.queries.length}`);
  }
}
