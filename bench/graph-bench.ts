/**
 * The code graph against real oracles: line-level precision and recall of `refs` on function
 * and method definitions, vs the TypeScript language service (`findReferences`) on TypeScript
 * projects and jedi (`get_references`) on Python projects; what the graph costs the index
 * (time, database size); and refs/callers latency on a ~5,000-file repository.
 *
 * Splits: `dev` projects (the confidence floor and the resolver were tuned on these) and
 * `report` projects (other projects, never tuned on: the published numbers).
 *
 * Run: node --import tsx bench/graph-bench.ts [--quick] [--skip-large | --keep-large] [--only=a,b] [--explain] [--no-cost]
 * Python oracle: Debian python3-jedi + python3-parso unpacked (apt-get download, dpkg -x) under
 * ~/.cache/contextd-graph/root (the script does it when missing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import type { SymbolRow } from '../daemon/store/types.js';
import { DEFAULT_MIN_CONFIDENCE } from '../daemon/graph/queries.js';
import { BENCH_CACHE, git } from './corpus.js';
import { round, summarize } from './stats.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const PER_SET = QUICK ? 30 : 60;
const NODE_MODULES = join(import.meta.dirname, '..', 'node_modules');
const DEB_ROOT = join(homedir(), '.cache', 'contextd-graph');
const DIST = join(DEB_ROOT, 'root', 'usr', 'lib', 'python3', 'dist-packages');
const RESERVED: string[] = (JSON.parse(readFileSync(join(import.meta.dirname, 'quality', 'heldout.json'), 'utf8')) as { reserved: string[] }).reserved;

interface SetDef {
  name: string;
  language: 'typescript' | 'python';
  split: 'dev' | 'report';
  /** Where the sources come from, and which directory of it is copied. */
  source: string;
  dir: () => string;
  ext: RegExp;
}

const pkgVersion = (p: string) => (JSON.parse(readFileSync(join(NODE_MODULES, p, 'package.json'), 'utf8')) as { version: string }).version;
const DEBS: Record<string, string> = { boltons: 'python3-boltons', click: 'python3-click', flask: 'python3-flask' };

const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const SETS_ALL: SetDef[] = [
  {
    name: 'zod',
    language: 'typescript',
    split: 'dev',
    source: `npm:zod@${pkgVersion('zod')} src/`,
    dir: () => join(NODE_MODULES, 'zod', 'src'),
    ext: /(?<!\.d)\.ts$/,
  },
  {
    name: 'slonik',
    language: 'typescript',
    split: 'dev',
    source: `npm:slonik@${pkgVersion('slonik')} src/`,
    dir: () => join(NODE_MODULES, 'slonik', 'src'),
    ext: /(?<!\.d)\.ts$/,
  },
  { name: 'boltons', language: 'python', split: 'dev', source: 'debian:python3-boltons', dir: () => join(DIST, 'boltons'), ext: /\.py$/ },
  {
    name: 'rxjs',
    language: 'typescript',
    split: 'report',
    source: `npm:rxjs@${pkgVersion('rxjs')} src/`,
    dir: () => join(NODE_MODULES, 'rxjs', 'src'),
    ext: /(?<!\.d)\.ts$/,
  },
  {
    name: 'ajv',
    language: 'typescript',
    split: 'report',
    source: `npm:ajv@${pkgVersion('ajv')} lib/`,
    dir: () => join(NODE_MODULES, 'ajv', 'lib'),
    ext: /(?<!\.d)\.ts$/,
  },
  { name: 'click', language: 'python', split: 'report', source: 'debian:python3-click', dir: () => join(DIST, 'click'), ext: /\.py$/ },
  { name: 'flask', language: 'python', split: 'report', source: 'debian:python3-flask', dir: () => join(DIST, 'flask'), ext: /\.py$/ },
];
const SETS = args.has('--large-only') ? [] : ONLY ? SETS_ALL.filter((s) => ONLY.split(',').includes(s.name)) : SETS_ALL;

function ensureDebs(): void {
  const need = ['python3-jedi', 'python3-parso', ...Object.values(DEBS)];
  const dl = join(DEB_ROOT, 'debs');
  mkdirSync(dl, { recursive: true });
  for (const pkg of need) {
    if (readdirSync(dl).some((f) => f.startsWith(`${pkg}_`))) continue;
    execFileSync('apt-get', ['download', pkg], { cwd: dl, stdio: 'ignore' });
  }
  if (existsSync(join(DIST, 'jedi'))) return;
  for (const f of readdirSync(dl)) if (f.endsWith('.deb')) execFileSync('dpkg', ['-x', join(dl, f), join(DEB_ROOT, 'root')]);
}

function debVersion(pkg: string): string {
  const f = readdirSync(join(DEB_ROOT, 'debs')).find((x) => x.startsWith(`${pkg}_`));
  return f ? f.split('_')[1] : '?';
}

function walk(dir: string, ext: RegExp, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '__pycache__' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, ext, out);
    else if (e.isFile() && ext.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** The set's sources as a git repository (`<name>/...`), one commit. */
function repoOf(s: SetDef): string {
  const dir = join(BENCH_CACHE, 'graph', s.name);
  if (existsSync(join(dir, '.git'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const src = s.dir();
  for (const f of walk(src, s.ext)) {
    const to = join(dir, s.name, relative(src, f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', s.source]);
  return dir;
}

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (x * 1664525 + 1013904223) >>> 0), x / 2 ** 32);
}

function sample<T>(xs: T[], n: number, seed: number): T[] {
  const r = rng(seed);
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

async function openEngine(dataDir: string, graph: boolean): Promise<Engine> {
  return Engine.open(loadConfig({ ...process.env, CONTEXTD_DATA_DIR: dataDir, CONTEXTD_GRAPH: graph ? '1' : '0' }));
}

function dbBytes(dataDir: string): number {
  let n = 0;
  for (const f of readdirSync(dataDir)) if (f.startsWith('index.db')) n += statSync(join(dataDir, f)).size;
  return n;
}

/** Full index wall time and database size, with and without the graph (alternating runs, medians). */
async function indexCost(root: string, runs: number) {
  const out: Record<'on' | 'off', { ms: number[]; bytes: number }> = { on: { ms: [], bytes: 0 }, off: { ms: [], bytes: 0 } };
  for (let i = 0; i < runs; i++) {
    for (const mode of ['off', 'on'] as const) {
      const dataDir = mkdtempSync(join(tmpdir(), 'graph-bench-'));
      const engine = await openEngine(dataDir, mode === 'on');
      const t0 = performance.now();
      await engine.index(root, { history: false });
      out[mode].ms.push(performance.now() - t0);
      await engine.close();
      out[mode].bytes = dbBytes(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    indexMsWithGraph: round(med(out.on.ms), 0),
    indexMsWithoutGraph: round(med(out.off.ms), 0),
    extraTime: round(med(out.on.ms) / med(out.off.ms) - 1, 3),
    dbMiBWithGraph: round(out.on.bytes / 2 ** 20, 2),
    dbMiBWithoutGraph: round(out.off.bytes / 2 ** 20, 2),
    extraSpace: round(out.on.bytes / out.off.bytes - 1, 3),
  };
}

type Sites = Set<string>;

function tsOracle(root: string, files: string[]) {
  const abs = files.map((f) => join(root, f));
  const snaps = new Map<string, ts.IScriptSnapshot>();
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => abs,
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => {
      if (!snaps.has(f)) {
        if (!existsSync(f)) return undefined;
        snaps.set(f, ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')));
      }
      return snaps.get(f);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const ls = ts.createLanguageService(host, ts.createDocumentRegistry());
  return (def: SymbolRow): Sites | null => {
    const program = ls.getProgram()!;
    const file = join(root, def.path);
    const sf = program.getSourceFile(file);
    if (!sf) return null;
    const pos = ts.getPositionOfLineAndCharacter(sf, def.nameLine - 1, def.nameColumn);
    const found = ls.findReferences(file, pos);
    if (!found) return null;
    const sites: Sites = new Set();
    for (const sym of found) {
      for (const r of sym.references) {
        if (!r.fileName.startsWith(root + '/')) continue;
        const rsf = program.getSourceFile(r.fileName);
        if (!rsf) continue;
        const line = rsf.getLineAndCharacterOfPosition(r.textSpan.start).line + 1;
        sites.add(`${relative(root, r.fileName)}:${line}`);
      }
    }
    return sites;
  };
}

function jediOracle(root: string, defs: SymbolRow[]): (Sites | null)[] {
  const input = JSON.stringify({ root, queries: defs.map((d) => ({ path: d.path, line: d.nameLine, column: d.nameColumn })) });
  const r = spawnSync('nice', ['-n', '10', 'python3', join(import.meta.dirname, 'graph-jedi.py')], {
    input,
    env: { ...process.env, PYTHONPATH: DIST },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`jedi oracle failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as ([string, number][] | null)[]).map((x) => (x ? new Set(x.map(([p, l]) => `${p}:${l}`)) : null));
}

interface DefResult {
  set: string;
  split: string;
  language: string;
  oracle: string[];
  ours: { site: string; confidence: number }[];
}

const THRESHOLDS = [0.05, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

function score(results: DefResult[], min: number) {
  let tp = 0;
  let predicted = 0;
  let actual = 0;
  for (const r of results) {
    const ours = new Set(r.ours.filter((o) => o.confidence >= min).map((o) => o.site));
    const oracle = new Set(r.oracle);
    predicted += ours.size;
    actual += oracle.size;
    for (const s of ours) if (oracle.has(s)) tp++;
  }
  const precision = predicted ? tp / predicted : 1;
  const recall = actual ? tp / actual : 1;
  return {
    definitions: results.length,
    oracleSites: actual,
    predicted,
    precision: round(precision, 3),
    recall: round(recall, 3),
    f1: round(precision + recall ? (2 * precision * recall) / (precision + recall) : 0, 3),
  };
}

async function evaluateSet(
  s: SetDef,
): Promise<{ results: DefResult[]; cost: Awaited<ReturnType<typeof indexCost>> | null; files: number; refMs: ReturnType<typeof summarize> }> {
  const root = repoOf(s);
  const dataDir = mkdtempSync(join(tmpdir(), 'graph-bench-'));
  const engine = await openEngine(dataDir, true);
  await engine.index(root, { history: false });
  const repo = await engine.repoFor(root);
  const files = [...(await engine.store.listFiles(repo.id)).values()].filter((f) => f.status === 'indexed').map((f) => f.path);
  const symbols = await engine.store.symbolsIn(repo.id, files);
  const defs = sample(
    symbols.filter((d) => d.kind === 'function' || d.kind === 'method'),
    PER_SET,
    7,
  );
  const q = engine.graphFor(repo);
  const ourSites: { site: string; confidence: number }[][] = [];
  const times: number[] = [];
  for (const d of defs) {
    const t0 = performance.now();
    const refs = await q.refs([d], { min: 0.01 });
    times.push(performance.now() - t0);
    const best = new Map<string, number>();
    for (const r of refs) {
      const k = `${r.path}:${r.line}`;
      best.set(k, Math.max(best.get(k) ?? 0, r.confidence));
    }
    ourSites.push([...best].map(([site, confidence]) => ({ site, confidence })));
  }
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
  const oracle = s.language === 'typescript' ? defs.map(tsOracle(root, files)) : jediOracle(root, defs);
  const results: DefResult[] = [];
  defs.forEach((d, i) => {
    const o = oracle[i];
    if (!o) return; // the oracle could not answer: left out, counted below
    const self = `${d.path}:${d.nameLine}`;
    o.delete(self);
    results.push({ set: s.name, split: s.split, language: s.language, oracle: [...o], ours: ourSites[i].filter((x) => x.site !== self) });
    // --explain: what the dev split gets wrong, to tune on (never printed for the report split).
    if (args.has('--explain') && s.split === 'dev') {
      const ours = ourSites[i].filter((x) => x.site !== self && x.confidence >= DEFAULT_MIN_CONFIDENCE);
      const line = (site: string) => {
        const [p, l] = [site.slice(0, site.lastIndexOf(':')), Number(site.slice(site.lastIndexOf(':') + 1))];
        return (readFileSync(join(root, p), 'utf8').split('\n')[l - 1] ?? '').trim().slice(0, 100);
      };
      for (const x of ours) if (!o.has(x.site)) process.stderr.write(`  FP ${d.container ?? ''}.${d.name} ${x.site} ${x.confidence}  ${line(x.site)}\n`);
      for (const x of o) if (!ours.some((y) => y.site === x)) process.stderr.write(`  FN ${d.container ?? ''}.${d.name} ${x}  ${line(x)}\n`);
    }
  });
  const cost = args.has('--no-cost') ? null : await indexCost(root, QUICK ? 1 : 3);
  return { results, cost, files: files.length, refMs: summarize(times) };
}

/** ~5,000 JavaScript/TypeScript files of installed packages (none of the reserved projects) as one repository. */
function largeRepo(): string {
  const dir = join(BENCH_CACHE, 'graph', 'large-5k');
  if (existsSync(join(dir, '.git'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const pkgs = readdirSync(NODE_MODULES)
    .flatMap((p) => (p.startsWith('@') ? readdirSync(join(NODE_MODULES, p)).map((q) => `${p}/${q}`) : [p]))
    .filter((p) => !p.startsWith('.') && !RESERVED.some((r) => p === r || p.startsWith(`${r}-`) || p.startsWith(`${r}.`)))
    .sort();
  let n = 0;
  for (const p of pkgs) {
    if (n >= 5000) break;
    for (const f of walk(join(NODE_MODULES, p), /(?<!\.d)(?<!\.min)\.(ts|js|mjs)$/)) {
      if (n >= 5000) break;
      if (statSync(f).size > 200_000) continue;
      const to = join(dir, p, relative(join(NODE_MODULES, p), f));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(f, to);
      n++;
    }
  }
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'installed packages']);
  return dir;
}

async function latency() {
  const root = largeRepo();
  const dataDir = mkdtempSync(join(tmpdir(), 'graph-bench-'));
  let engine = await openEngine(dataDir, true);
  await engine.index(root, { history: false });
  await engine.close();
  engine = await openEngine(dataDir, true);
  const repo = await engine.repoFor(root);
  const files = [...(await engine.store.listFiles(repo.id)).values()].filter((f) => f.status === 'indexed').map((f) => f.path);
  const defs = sample(
    (await engine.store.symbolsIn(repo.id, files)).filter((d) => d.kind === 'function' || d.kind === 'method'),
    QUICK ? 50 : 200,
    11,
  );
  const timeAll = async (fn: (target: string) => Promise<unknown>) => {
    const t: number[] = [];
    for (const d of defs) {
      const t0 = performance.now();
      await fn(`${join(root, d.path)}:${d.nameLine}`);
      t.push(performance.now() - t0);
    }
    return summarize(t);
  };
  await engine.refs(`${join(root, defs[0].path)}:${defs[0].nameLine}`, { repo: root }); // warm-up: SQLite pages
  const refs = await timeAll((t) => engine.refs(t, { repo: root }));
  const callers = await timeAll((t) => engine.callers(t, { repo: root }));
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { files: files.length, queries: defs.length, refsMs: refs, callersMs: callers };
}

async function main() {
  ensureDebs();
  const all: DefResult[] = [];
  const sets: Record<string, unknown>[] = [];
  for (const s of SETS) {
    process.stderr.write(`${s.name} (${s.split})…\n`);
    const r = await evaluateSet(s);
    all.push(...r.results);
    const source = s.language === 'python' ? `${s.source} ${debVersion(DEBS[s.name])}` : s.source;
    sets.push({
      name: s.name,
      language: s.language,
      split: s.split,
      source,
      files: r.files,
      sampled: PER_SET,
      answered: r.results.length,
      ...score(r.results, DEFAULT_MIN_CONFIDENCE),
      refsMs: r.refMs,
      cost: r.cost,
    });
    process.stderr.write(`  ${JSON.stringify(sets.at(-1))}\n`);
  }
  const by = (split: string, language?: string) => all.filter((r) => r.split === split && (!language || r.language === language));
  const sweep = THRESHOLDS.map((t) => ({ min: t, typescript: score(by('dev', 'typescript'), t), python: score(by('dev', 'python'), t) }));
  // --keep-large: the quality sets again, the large tree's figures kept from the last full run (it takes the longest).
  const previous = join(import.meta.dirname, 'results', 'graph.json');
  const kept =
    args.has('--keep-large') && existsSync(previous)
      ? (JSON.parse(readFileSync(previous, 'utf8')) as { large: unknown; date: string; wholeProcessIndex?: unknown })
      : null;
  const skipLarge = args.has('--skip-large') || kept !== null;
  const large = skipLarge ? null : await latency();
  const largeCost = skipLarge ? null : await indexCost(largeRepo(), 1);
  const report = {
    date: new Date().toISOString(),
    minConfidence: DEFAULT_MIN_CONFIDENCE,
    oracles: {
      typescript: `TypeScript ${ts.version} LanguageService.findReferences`,
      python: `jedi ${debVersion('python3-jedi')} Script.get_references (scope=project)`,
    },
    note: 'line-level sites, micro-averaged over sampled function/method definitions; the definition line itself excluded on both sides; dev = tuned on, report = never tuned on',
    summary: {
      report: { typescript: score(by('report', 'typescript'), DEFAULT_MIN_CONFIDENCE), python: score(by('report', 'python'), DEFAULT_MIN_CONFIDENCE) },
      dev: { typescript: score(by('dev', 'typescript'), DEFAULT_MIN_CONFIDENCE), python: score(by('dev', 'python'), DEFAULT_MIN_CONFIDENCE) },
    },
    sets,
    devSweep: sweep,
    large: kept ? { ...(kept.large as object), measured: kept.date } : large ? { ...large, cost: largeCost } : null,
    // Whole-process full-index timings are measured by hand (see README) and kept across runs.
    ...(kept?.wholeProcessIndex ? { wholeProcessIndex: kept.wholeProcessIndex } : {}),
  };
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  const out = args.has('--large-only') ? 'graph-large.json' : QUICK || ONLY || args.has('--skip-large') ? 'graph-quick.json' : 'graph.json';
  writeFileSync(join(import.meta.dirname, 'results', out), JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report.summary, null, 2));
  if (large) console.log(JSON.stringify(report.large, null, 2));
}

await main();
