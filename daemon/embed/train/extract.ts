/**
 * Extracts (natural language, code) training pairs from the fetched corpus
 * with contextd's own chunker (daemon/lang), tokenizes them with the model's
 * tokenizer (../static-tokenizer.ts, the one definition), builds the
 * vocabulary and writes what the trainer reads (int32 arrays in
 * CACHE/work/), the dev-split evaluation sets, the manifest and the tokenizer
 * golden sample (daemon/embed/model/).
 *
 * Pairs per function or method (doc removed from the code):
 *   doc: first sentence of its docstring / doc comment  -> code
 *   full: the whole description (when longer)            -> code
 *   name: its name split into words                      -> body without the signature line
 *         (only functions without a doc, at most half as many as doc pairs per unit)
 *
 * Held out (heldout.ts): packages by name (the pinned list is refused), vendored
 * copies by path, and bodies whose hash matches a function of the held-out
 * projects' own packages, of their copies installed on this machine, or of the
 * Python standard library (its directory without site-packages). The finished corpus is
 * verified again and the run fails if anything held out is left.
 *
 *   node --import tsx daemon/embed/train/extract.ts
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { parseFile } from '../../lang/chunker.js';
import { languageForPath } from '../../lang/languages.js';
import { tokenize } from '../static-tokenizer.js';
import { CACHE, loadPackageList, srcDir } from './fetch.js';
import { bodyKey, checkPinnedList, heldoutPathReason, loadHeldout, verifyCorpus, type PinnedPackage } from './heldout.js';

/** A source file's text, or null when it is too large or unreadable (both skipped). */
function readSource(abs: string): string | null {
  try {
    return statSync(abs).size > MAX_FILE_BYTES ? null : readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
}
export const MODEL_DIR = join(import.meta.dirname, '..', 'model');
export const WORK = join(CACHE, 'work');

/** Tokens a training document / query keeps (the embedder caps the same way, see static-embedder.ts). */
export const TRAIN_DOC_TOKENS = 256;
export const QUERY_TOKENS = 64;
/** Documented functions kept per package (or JDK module): one package of generated code must not dominate. */
export const CAP_PER_UNIT = 6000;
export const VOCAB_MAX = 100_000;
export const VOCAB_MIN_COUNT = 5;
const MAX_FUNCTION_LINES = 200;
const MAX_FILE_BYTES = 1_500_000;
const DEV_QUERIES = 400;
const DEV_POOL = 20_000;

const PERMISSIVE = /^\(?(mit|expat|bsd|apache|isc|psf|python|zlib|unlicense|cc0|public[- ]domain|blueoak|0bsd|hpnd|x11|boost|bsl|historical|mit-0|wtfpl|pil)/i;

export type Lang = 'python' | 'javascript' | 'typescript' | 'go' | 'rust' | 'java';
export const LANGS: Lang[] = ['python', 'javascript', 'typescript', 'go', 'rust', 'java'];

export interface FunctionDoc {
  name: string;
  /** The function's code with its doc removed. */
  code: string;
  /** The code without the signature's first line (for name pairs). */
  body: string;
  doc: string;
  startLine: number;
}

// ---------------------------------------------------------------- doc extraction

const FUNCTION_KINDS = new Set(['function', 'method', 'constructor']);

export function firstSentence(doc: string): string {
  const text = doc
    .trim()
    .split(/\n\s*\n/)[0]
    .split(/\s+/)
    .join(' ');
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  return (m ? m[1] : text).trim();
}

function cleanBlockDoc(lines: string[]): string {
  const out: string[] = [];
  for (let l of lines) {
    l = l.trim();
    l = l
      .replace(/^\/\*\*?/, '')
      .replace(/\*\/$/, '')
      .replace(/^\/\/[/!]?/, '')
      .replace(/^\*(?!\/)/, '');
    out.push(l.trim());
  }
  let text = out.join('\n');
  // Javadoc/JSDoc: the description ends at the first block tag.
  const tag = /^@\w+/m.exec(text);
  if (tag) text = text.slice(0, tag.index);
  text = text
    .replace(/\{@(?:link|linkplain|code|literal)\s+([^}]*)\}/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return text.trim();
}

function dedent(s: string): string {
  const lines = s.split('\n');
  const ind = Math.min(
    ...lines
      .slice(1)
      .filter((l) => l.trim())
      .map((l) => l.length - l.trimStart().length),
    1e9,
  );
  return [lines[0].trim(), ...lines.slice(1).map((l) => (ind < 1e9 ? l.slice(ind) : l))].join('\n').trim();
}

/** Functions of one file with their docs (doc '' when none). Uses contextd's parser for the symbols. */
export async function functionsOf(path: string, text: string, language: string): Promise<FunctionDoc[]> {
  const parsed = await parseFile(path, text, language);
  if (parsed.fallback) return [];
  const lines = text.split('\n');
  const out: FunctionDoc[] = [];
  for (const s of parsed.symbols) {
    if (!FUNCTION_KINDS.has(s.kind)) continue;
    const n = s.endLine - s.startLine + 1;
    if (n < 2 || n > MAX_FUNCTION_LINES) continue;
    let fnLines = lines.slice(s.startLine - 1, s.endLine);
    let doc = '';
    if (language === 'python') {
      // The docstring: the first statement after the signature (the first line ending with ':').
      let k = 0;
      while (k < fnLines.length && !/:\s*(#.*)?$/.test(fnLines[k])) k++;
      let d = k + 1;
      while (d < fnLines.length && !fnLines[d].trim()) d++;
      const rest = fnLines.slice(d).join('\n');
      const m = /^\s*[rRuU]?("""|''')([\s\S]*?)\1/.exec(rest) ?? /^\s*[rRuU]?(["'])((?:\\.|(?!\1).)*)\1\s*$/m.exec(fnLines[d] ?? '');
      if (m && d < fnLines.length && /^\s*[rRuU]?["']/.test(fnLines[d])) {
        doc = dedent(m[2]);
        const used = m[0].split('\n').length;
        fnLines = [...fnLines.slice(0, d), ...fnLines.slice(d + used)];
      }
    } else {
      // The comment block right above the definition (attributes/annotations in between are skipped).
      let k = s.startLine - 2;
      while (k >= 0 && /^\s*(#\[|@[A-Za-z])/.test(lines[k])) k--;
      const block: string[] = [];
      let inBlock = false;
      while (k >= 0) {
        const t = lines[k].trim();
        if (t.endsWith('*/') && !inBlock) {
          inBlock = true;
          block.unshift(t);
          if (t.startsWith('/*')) inBlock = false;
        } else if (inBlock) {
          block.unshift(t);
          if (t.startsWith('/*')) inBlock = false;
        } else if (t.startsWith('//')) block.unshift(t);
        else break;
        k--;
      }
      if (block.length && !inBlock) doc = cleanBlockDoc(block);
      // A doc comment inside the symbol's range (a method's JSDoc the parser folded in).
      if (!doc && /^\s*(\/\*\*|\/\/\/)/.test(fnLines[0] ?? '')) {
        let e = 0;
        if (fnLines[0].includes('/**')) while (e < fnLines.length && !fnLines[e].includes('*/')) e++;
        else while (e + 1 < fnLines.length && fnLines[e + 1].trim().startsWith('///')) e++;
        doc = cleanBlockDoc(fnLines.slice(0, e + 1));
        fnLines = fnLines.slice(e + 1);
      }
    }
    const code = fnLines.join('\n');
    out.push({ name: s.name, code, body: fnLines.slice(1).join('\n'), doc, startLine: s.startLine });
  }
  return out;
}

// ---------------------------------------------------------------- files of a package

interface SourceFile {
  abs: string;
  /** Path inside the package (what the manifest and the held-out path check see). */
  rel: string;
  language: Lang;
  /** Cap unit: the package, or the JDK module. */
  unit: string;
}

function walk(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push(p);
  }
  return out;
}

const TEST_DIR = /(^|\/)(tests?|testing|testdata|__tests__|spec|benches|benchmarks?|examples?|fixtures)\//i;

export function filesOf(p: PinnedPackage, root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const bases =
    p.registry === 'npm'
      ? ['package']
      : p.name === 'openjdk-17-source'
        ? ['src']
        : p.language === 'python'
          ? ['usr/lib/python3/dist-packages']
          : p.language === 'go'
            ? ['usr/share/gocode/src']
            : ['usr/share/cargo/registry'];
  for (const b of bases) {
    for (const abs of walk(join(root, b))) {
      const rel = relative(root, abs).replace(/\\/g, '/');
      if (TEST_DIR.test(rel) || /(_test\.go|\.d\.[cm]?ts|\.min\.js|[-.]bundle\.js)$/.test(rel) || /(^|\/)test_[^/]*\.py$/.test(rel)) continue;
      const lang = languageForPath(rel) as Lang | 'jsx' | 'tsx' | null;
      if (!lang || !(LANGS as string[]).includes(lang)) continue;
      if (rel.endsWith('.pyi')) continue;
      const unit = p.name === 'openjdk-17-source' ? `jdk:${rel.split('/')[1]}` : p.name;
      out.push({ abs, rel, language: lang as Lang, unit });
    }
  }
  return out;
}

/** Generated or minified text: never trained on. */
export function isGenerated(text: string): boolean {
  const head = text.slice(0, 3000);
  if (
    /(code generated .* do not edit|@generated|autogenerated|auto-generated|generated by (the )?[a-z-]+|this file (is|was) (automatically )?generated)/i.test(
      head,
    )
  )
    return true;
  const lines = text.split('\n', 2000);
  let long = 0;
  let total = 0;
  for (const l of lines) {
    total += l.length;
    if (l.length > 1000) long++;
  }
  return long > 0 && total / lines.length > 200;
}

/** SPDX-like name of a license text (the main one of a Debian copyright file). */
export function classifyLicense(text: string): string {
  const t = text.slice(0, 20000);
  if (/Mozilla Public License|\bMPL-?2/i.test(t)) return 'MPL-2.0';
  if (/\bLGPL|Lesser General Public/i.test(t)) return 'LGPL';
  if (/Apache License|Apache-2/i.test(t)) return 'Apache-2.0';
  if (/Permission is hereby granted, free of charge/i.test(t)) return 'MIT';
  if (/Redistribution and use in source and binary forms/i.test(t)) return 'BSD';
  if (/Python Software Foundation|\bPSF\b/i.test(t)) return 'PSF';
  if (/Permission to use, copy, modify,? and(\/or)? distribute/i.test(t)) return 'ISC';
  if (/\bGPL|General Public License/i.test(t)) return 'GPL';
  return 'unknown';
}

/** The package's license: the pinned list's explicit field, else package.json, else debian/copyright. */
export function licenseOf(p: PinnedPackage, root: string): string {
  if (p.license) return p.license;
  if (p.registry === 'npm') {
    try {
      const j = JSON.parse(readFileSync(join(root, 'package', 'package.json'), 'utf8')) as { license?: unknown };
      return typeof j.license === 'string' ? j.license : 'unknown';
    } catch {
      return 'unknown';
    }
  }
  let f = join(root, 'usr', 'share', 'doc', p.name, 'copyright');
  if (!existsSync(f)) {
    const docs = join(root, 'usr', 'share', 'doc');
    const other = existsSync(docs)
      ? readdirSync(docs)
          .sort()
          .find((d) => existsSync(join(docs, d, 'copyright')))
      : undefined;
    if (!other) return 'unknown';
    f = join(docs, other, 'copyright');
  }
  const text = readFileSync(f, 'utf8');
  // DEP-5: the License of the `Files: *` stanza (a short name), else the license text itself.
  const star = /^Files:\s*\*\s*$[\s\S]*?^License:\s*(\S.*)$/m.exec(text);
  const name = star?.[1].trim();
  if (name && PERMISSIVE.test(name)) return name;
  if (name && /^(gpl|lgpl|mpl|agpl|epl|cddl)/i.test(name)) return name;
  return classifyLicense(text);
}

/** Whether a package may be trained on: a permissive license, or one the pinned list states explicitly (the JDK). */
export function licenseAllowed(p: PinnedPackage, license: string): boolean {
  return Boolean(p.license) || PERMISSIVE.test(license);
}

// ---------------------------------------------------------------- the corpus

interface Interner {
  ids: Map<string, number>;
  words: string[];
  counts: number[];
}

function intern(I: Interner, toks: string[], count: boolean): Int32Array {
  const a = new Int32Array(toks.length);
  for (let i = 0; i < toks.length; i++) {
    let id = I.ids.get(toks[i]);
    if (id === undefined) {
      id = I.words.length;
      I.ids.set(toks[i], id);
      I.words.push(toks[i]);
      I.counts.push(0);
    }
    if (count) I.counts[id]++;
    a[i] = id;
  }
  return a;
}

interface Pair {
  lang: number;
  unit: number;
  kind: number; // 0 doc, 1 full, 2 name
  q: Int32Array;
  d: Int32Array;
}

const sha = (s: string | Buffer) => createHash('sha1').update(s).digest('hex');
/** Near-duplicate key: the set of distinct tokens (renamed locals and reformatting aside, a copy keeps it). */
const nearKey = (toks: string[]) => sha([...new Set(toks)].sort().join(' ')).slice(0, 16);

function writeI32(file: string, arrays: Int32Array[] | number[]): void {
  const flat = Array.isArray(arrays) && typeof arrays[0] === 'number' ? Int32Array.from(arrays as number[]) : concat(arrays as Int32Array[]);
  writeFileSync(file, Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength));
}
function concat(arrs: Int32Array[]): Int32Array {
  let n = 0;
  for (const a of arrs) n += a.length;
  const out = new Int32Array(n);
  let o = 0;
  for (const a of arrs) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}
function ptr(arrs: Int32Array[]): number[] {
  const p = [0];
  for (const a of arrs) p.push(p[p.length - 1] + a.length);
  return p;
}

/** Body hashes of every function under the given roots (the deny list's input). */
async function hashFunctions(roots: { dir: string; filter?: (rel: string) => boolean }[], into: Set<string>): Promise<void> {
  for (const { dir, filter } of roots) {
    for (const abs of walk(dir)) {
      const rel = relative(dir, abs);
      if (filter && !filter(rel)) continue;
      const lang = languageForPath(rel);
      if (!lang || !['python', 'javascript', 'typescript', 'go', 'rust', 'java'].includes(lang)) continue;
      const text = readSource(abs);
      if (text === null) continue;
      for (const f of await functionsOf(rel, text, lang)) into.add(bodyKey(f.code));
    }
  }
}

export function stdlibDirs(): string[] {
  const dirs = new Set<string>(['/usr/lib/python3.11']);
  try {
    dirs.add(execFileSync('python3', ['-c', "import sysconfig;print(sysconfig.get_paths()['stdlib'])"], { encoding: 'utf8' }).trim());
  } catch {
    /* the Debian one is enough */
  }
  return [...dirs].filter((d) => existsSync(d));
}

/**
 * Installed third-party packages live under the stdlib directory of some
 * interpreters (pyenv: lib/python3.11/site-packages). They are not the
 * standard library: hashing them denied every library the machine happened to
 * have installed (numpy, sympy, docutils, dateutil, ... lost most of their pairs).
 */
export const SITE_PACKAGES = /(^|\/)(site-packages|dist-packages)\//;

/**
 * Held-out projects installed on this machine (the interpreter's site-packages,
 * Debian's dist-packages): their upstream versions may differ from the Debian
 * ones in denySources, so they are hashed too (deny list only).
 */
export function installedHeldoutDirs(names: readonly string[]): string[] {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const roots = new Set<string>(['/usr/lib/python3/dist-packages']);
  try {
    const out = execFileSync('python3', ['-c', 'import site;print("\\n".join(site.getsitepackages()))'], { encoding: 'utf8' });
    for (const line of out.split('\n')) if (line.trim()) roots.add(line.trim());
  } catch {
    /* no interpreter: nothing installed to find */
  }
  const dirs: string[] = [];
  for (const root of [...roots].sort()) {
    let entries: string[];
    try {
      entries = readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const e of entries) if (wanted.has(e.toLowerCase())) dirs.push(join(root, e));
  }
  return dirs;
}

/** Dev-split projects (heldout.json `dev`), as (name, language, root, filter). */
function devProjects(list: {
  packages: PinnedPackage[];
  denySources: { packages: PinnedPackage[] };
}): { name: string; lang: Lang; dir: string; filter?: (rel: string) => boolean }[] {
  const deny = list.denySources.packages;
  const find = (n: string) => deny.find((p) => p.name === n)!;
  const jdk = list.packages.find((p) => p.name === 'openjdk-17-source')!;
  const stdlib = stdlibDirs().at(-1)!;
  return [
    { name: 'python-stdlib', lang: 'python', dir: stdlib, filter: (r) => !/(^|\/)(test|tests|idle_test|site-packages|__pycache__)\//.test(r) },
    { name: 'boltons', lang: 'python', dir: join(srcDir(find('python3-boltons')), 'usr/lib/python3/dist-packages') },
    { name: 'commander', lang: 'javascript', dir: join(srcDir(find('commander')), 'package'), filter: (r) => !TEST_DIR.test(r) && !/\.d\.ts$/.test(r) },
    { name: 'yargs', lang: 'javascript', dir: join(srcDir(find('yargs')), 'package'), filter: (r) => !TEST_DIR.test(r) && !/\.d\.ts$/.test(r) },
    { name: 'cobra', lang: 'go', dir: join(srcDir(find('golang-github-spf13-cobra-dev')), 'usr/share/gocode/src'), filter: (r) => !r.endsWith('_test.go') },
    {
      name: 'testify',
      lang: 'go',
      dir: join(srcDir(find('golang-github-stretchr-testify-dev')), 'usr/share/gocode/src'),
      filter: (r) => !r.endsWith('_test.go'),
    },
    { name: 'jdk-logging-sql', lang: 'java', dir: join(srcDir(jdk), 'src'), filter: (r) => /^(java\.logging|java\.sql)\//.test(r) },
  ];
}

export async function extractAll(): Promise<void> {
  const t0 = Date.now();
  const spec = loadHeldout();
  const list = loadPackageList();
  checkPinnedList(spec, list.packages);
  mkdirSync(WORK, { recursive: true });

  // 1. The deny list: bodies of the held-out projects' own packages, the stdlib, the held-out JDK modules.
  const deny = new Set<string>();
  const jdk = list.packages.find((p) => p.name === 'openjdk-17-source')!;
  await hashFunctions(
    [
      ...list.denySources.packages.map((p) => ({ dir: srcDir(p) })),
      ...stdlibDirs().map((dir) => ({ dir, filter: (r: string) => !SITE_PACKAGES.test(r) })),
      ...installedHeldoutDirs([...spec.reserved, 'boltons']).map((dir) => ({ dir })),
      { dir: join(srcDir(jdk), 'src'), filter: (r: string) => spec.excludeFromCorpus.jdkModules.some((m) => r.startsWith(m + '/')) },
    ],
    deny,
  );
  console.log(`extract: deny list of ${deny.size} body hashes (${Math.round((Date.now() - t0) / 1000)} s)`);

  // 2. Pairs.
  const I: Interner = { ids: new Map(), words: [], counts: [] };
  const pairs: Pair[] = [];
  const units: string[] = [];
  const unitIds = new Map<string, number>();
  const seenExact = new Set<string>();
  const seenNear = new Set<string>();
  const seenDoc = new Set<string>();
  const manifest: string[] = ['registry\tpackage\tversion\tlicense\tfile\tsha1\tpairs'];
  const stats = { files: 0, generated: 0, vendoredHeldout: 0, denied: 0, dupExact: 0, dupNear: 0, dupDoc: 0, capped: 0, skippedLicense: [] as string[] };
  const perLang: Record<string, { packages: Set<string>; pairs: number; doc: number; full: number; name: number; functions: number }> = {};
  const golden: { text: string; tokens: string[] }[] = [];
  const bodyHashes: string[] = [];
  const fileRecords: { registry: string; package: string; path: string }[] = [];

  for (const p of list.packages) {
    const root = srcDir(p);
    const license = licenseOf(p, root);
    if (!licenseAllowed(p, license)) {
      stats.skippedLicense.push(`${p.name} (${license})`);
      continue;
    }
    // Candidates per unit, capped after collection (deterministic: by body hash order).
    const byUnit = new Map<string, { lang: Lang; file: number; fn: FunctionDoc; key: string; qtoks: string[][]; kinds: number[]; dtoks: string[][] }[]>();
    const files = filesOf(p, root);
    const fileRows: { rel: string; sha: string; pairs: number }[] = [];
    for (const f of files) {
      const why = heldoutPathReason(spec, f.rel);
      if (why) {
        stats.vendoredHeldout++;
        continue;
      }
      let buf: Buffer;
      try {
        if (statSync(f.abs).size > MAX_FILE_BYTES) continue;
        buf = readFileSync(f.abs);
      } catch {
        continue;
      }
      const text = buf.toString('utf8');
      if (isGenerated(text)) {
        stats.generated++;
        continue;
      }
      stats.files++;
      const fileIdx = fileRows.length;
      fileRows.push({ rel: f.rel, sha: sha(buf).slice(0, 12), pairs: 0 });
      const lang = f.language;
      for (const fn of await functionsOf(f.rel, text, lang)) {
        const leaf = fn.name;
        if (/^__.*__$/.test(leaf) || /test/i.test(leaf)) continue;
        if (fn.code.split('\n').filter((l) => l.trim()).length < 3) continue;
        const key = bodyKey(fn.code);
        if (deny.has(key)) {
          stats.denied++;
          continue;
        }
        if (seenExact.has(key)) {
          stats.dupExact++;
          continue;
        }
        const dtoks = tokenize(fn.code, TRAIN_DOC_TOKENS);
        const nk = nearKey(tokenize(fn.code, 4096));
        if (seenNear.has(nk)) {
          stats.dupNear++;
          continue;
        }
        seenExact.add(key);
        seenNear.add(nk);
        const qtoks: string[][] = [];
        const kinds: number[] = [];
        const dt: string[][] = [];
        if (fn.doc && !/^(todo|deprecated|inheritdoc|see |@|\{@inheritdoc)/i.test(fn.doc)) {
          const first = firstSentence(fn.doc);
          const docKey = `${f.unit}\u0000${leaf}\u0000${first.toLowerCase()}`;
          if ((first.match(/[A-Za-z]+/g) ?? []).length >= 3) {
            if (seenDoc.has(docKey)) {
              stats.dupDoc++;
              continue;
            }
            seenDoc.add(docKey);
            qtoks.push(tokenize(first, QUERY_TOKENS));
            kinds.push(0);
            dt.push(dtoks);
            const whole = fn.doc.split(/\s+/).join(' ');
            if (whole.length > first.length + 20) {
              qtoks.push(tokenize(whole, QUERY_TOKENS));
              kinds.push(1);
              dt.push(dtoks);
            }
          }
        }
        if (!qtoks.length) {
          const nameToks = tokenize(leaf);
          if (nameToks.length >= 3) {
            // whole identifier + 2+ parts
            qtoks.push(nameToks.slice(1));
            kinds.push(2);
            dt.push(tokenize(fn.body, TRAIN_DOC_TOKENS));
          }
        }
        if (!qtoks.length) continue;
        let arr = byUnit.get(f.unit);
        if (!arr) byUnit.set(f.unit, (arr = []));
        arr.push({ lang, file: fileIdx, fn, key, qtoks, kinds, dtoks: dt });
        if (golden.length < 60 && (golden.length < 10 || pairs.length % 97 === 0))
          golden.push({ text: fn.code.slice(0, 1500), tokens: tokenize(fn.code.slice(0, 1500), TRAIN_DOC_TOKENS) });
      }
    }
    for (const [unit, cands] of byUnit) {
      cands.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const documented = cands.filter((c) => c.kinds[0] !== 2);
      const named = cands.filter((c) => c.kinds[0] === 2);
      const keep = [...documented.slice(0, CAP_PER_UNIT), ...named.slice(0, Math.ceil(Math.min(documented.length, CAP_PER_UNIT) / 2))];
      stats.capped += cands.length - keep.length;
      let u = unitIds.get(unit);
      if (u === undefined) {
        u = units.length;
        units.push(unit);
        unitIds.set(unit, u);
      }
      for (const c of keep) {
        const L = LANGS.indexOf(c.lang);
        const pl = (perLang[c.lang] ??= { packages: new Set(), pairs: 0, doc: 0, full: 0, name: 0, functions: 0 });
        pl.packages.add(p.name);
        pl.functions++;
        for (let i = 0; i < c.qtoks.length; i++) {
          pairs.push({ lang: L, unit: u, kind: c.kinds[i], q: intern(I, c.qtoks[i], true), d: intern(I, c.dtoks[i], true) });
          pl.pairs++;
          pl[(['doc', 'full', 'name'] as const)[c.kinds[i]]]++;
        }
        fileRows[c.file].pairs += c.qtoks.length;
        bodyHashes.push(c.key);
      }
    }
    for (const r of fileRows)
      if (r.pairs) {
        manifest.push(`${p.registry}\t${p.name}\t${p.version}\t${license}\t${r.rel}\t${r.sha}\t${r.pairs}`);
        fileRecords.push({ registry: p.registry, package: p.name, path: r.rel });
      }
    process.stdout.write(`\r  ${p.name}: ${pairs.length} pairs so far          `);
  }
  console.log('');

  // 3. The held-out check of the finished corpus.
  verifyCorpus(spec, fileRecords, bodyHashes, deny);

  // 4. Vocabulary: most frequent tokens (ties by spelling), min count.
  const order = I.words.map((_, i) => i).filter((i) => I.counts[i] >= VOCAB_MIN_COUNT);
  order.sort((a, b) => I.counts[b] - I.counts[a] || (I.words[a] < I.words[b] ? -1 : 1));
  const vocab = order.slice(0, VOCAB_MAX);
  const remap = new Int32Array(I.words.length).fill(-1);
  vocab.forEach((g, i) => (remap[g] = i));
  const map = (a: Int32Array) => {
    const out: number[] = [];
    for (const g of a) if (remap[g] >= 0) out.push(remap[g]);
    return Int32Array.from(out);
  };
  const vocabWords = vocab.map((g) => I.words[g]);
  writeFileSync(join(WORK, 'vocab.txt'), vocabWords.join('\n') + '\n');
  const local = new Map(vocabWords.map((w, i) => [w, i]));
  const enc = (toks: string[]) => Int32Array.from(toks.map((t) => local.get(t) ?? -1).filter((x) => x >= 0));

  const qs = pairs.map((x) => map(x.q));
  const ds = pairs.map((x) => map(x.d));
  writeI32(join(WORK, 'train_q_ptr.i32'), ptr(qs));
  writeI32(join(WORK, 'train_q_ids.i32'), qs);
  writeI32(join(WORK, 'train_d_ptr.i32'), ptr(ds));
  writeI32(join(WORK, 'train_d_ids.i32'), ds);
  writeI32(
    join(WORK, 'train_meta.i32'),
    pairs.flatMap((x) => [x.lang, x.unit, x.kind]),
  );

  // 5. Dev sets (heldout.json dev split): first-sentence queries -> functions of the same project.
  const devs: { name: string; lang: string; queries: number; pool: number }[] = [];
  for (const d of devProjects(list)) {
    const fns: FunctionDoc[] = [];
    for (const abs of walk(d.dir)) {
      const rel = relative(d.dir, abs);
      if (d.filter && !d.filter(rel)) continue;
      const lang = languageForPath(rel);
      if (!lang || !(LANGS as string[]).includes(lang) || rel.endsWith('.pyi')) continue;
      const text = readSource(abs);
      if (text === null) continue;
      if (isGenerated(text)) continue;
      for (const fn of await functionsOf(rel, text, lang)) if (fn.code.split('\n').length >= 3) fns.push(fn);
    }
    const pool = fns.slice(0, DEV_POOL);
    const counts = new Map<string, number>();
    const cand: { q: string; i: number }[] = [];
    pool.forEach((fn, i) => {
      if (!fn.doc || /^__.*__$/.test(fn.name) || /test/i.test(fn.name)) return;
      const q = firstSentence(fn.doc);
      if ((q.match(/[A-Za-z]+/g) ?? []).length < 3) return;
      counts.set(q.toLowerCase(), (counts.get(q.toLowerCase()) ?? 0) + 1);
      cand.push({ q, i });
    });
    // An evenly spread, deterministic sample of unambiguous queries.
    const uniq = cand.filter((c) => counts.get(c.q.toLowerCase()) === 1);
    const step = Math.max(1, uniq.length / DEV_QUERIES);
    const qsel = Array.from({ length: Math.min(DEV_QUERIES, uniq.length) }, (_, k) => uniq[Math.floor(k * step)]);
    const base = join(WORK, `dev_${d.name}`);
    // The embedder sees whole chunks: candidates are tokenized with the inference cap.
    const cq = qsel.map((c) => enc(tokenize(c.q, QUERY_TOKENS)));
    const cc = pool.map((fn) => enc(tokenize(fn.code, 1024)));
    writeI32(base + '_q_ptr.i32', ptr(cq));
    writeI32(base + '_q_ids.i32', cq);
    writeI32(base + '_c_ptr.i32', ptr(cc));
    writeI32(base + '_c_ids.i32', cc);
    writeI32(
      base + '_target.i32',
      qsel.map((c) => c.i),
    );
    devs.push({ name: d.name, lang: d.lang, queries: qsel.length, pool: pool.length });
  }

  // 6. Manifest, golden tokenizer sample, corpus statistics.
  mkdirSync(MODEL_DIR, { recursive: true });
  writeFileSync(join(MODEL_DIR, 'manifest.tsv.gz'), gzipSync(manifest.join('\n') + '\n', { level: 9 }));
  writeFileSync(join(MODEL_DIR, 'tokenizer-golden.json'), JSON.stringify(golden, null, 0).replace(/\},\{/g, '},\n{') + '\n');
  const corpusStats = {
    pairs: pairs.length,
    vocab: vocabWords.length,
    units: units.length,
    denyHashes: deny.size,
    ...stats,
    perLanguage: Object.fromEntries(Object.entries(perLang).map(([k, v]) => [k, { ...v, packages: v.packages.size }])),
    dev: devs,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  writeFileSync(join(WORK, 'corpus-stats.json'), JSON.stringify(corpusStats, null, 1));
  writeFileSync(join(WORK, 'units.txt'), units.join('\n') + '\n');
  console.log(JSON.stringify(corpusStats, null, 1));
}

if (import.meta.url === `file://${process.argv[1]}`) await extractAll();
