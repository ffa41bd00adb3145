/**
 * Latency of `locate` on a ~5,000-file repository: real JavaScript/TypeScript files
 * (from this checkout's node_modules, held-out projects left out) in a git repository
 * with a history of 400 commits, each changing 1-4 files with a real changelog line as
 * its message (the dev sets' entries, bench/quality/locate-sets.json), seeded so the
 * repository is the same on every run. Measures, in one process (the daemon's case):
 * the first call (corpus build + training), then p50/p95 over 60 distinct descriptions.
 *
 *   nice -n 10 node --import tsx bench/locate-latency.ts [--files 5000]
 *
 * Writes bench/results/locate-latency.json. The whole CLI command is timed separately
 * with farm-bench (see README).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { BENCH_CACHE, benchGitEnv } from './corpus.js';
import { buildLocateSet, loadLocateSpecs } from './quality/make-locate-sets.js';

const args = process.argv.slice(2);
const FILES = args.includes('--files') ? Number(args[args.indexOf('--files') + 1]) : 5000;
const COMMITS = 400;
const HELD_OUT = new Set((JSON.parse(readFileSync(join(import.meta.dirname, 'quality/heldout.json'), 'utf8')) as { reserved: string[] }).reserved);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sourceFiles(dir: string, out: string[], limit: number): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of entries) {
    if (out.length >= limit) return;
    const p = join(dir, name);
    if (HELD_OUT.has(name) || name === '.bin' || name.startsWith('@types')) continue;
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) sourceFiles(p, out, limit);
    else if (/\.([cm]?js|ts|tsx)$/.test(name) && !/\.(min|d)\.[cm]?[jt]s$/.test(name) && st.size > 100 && st.size < 100_000) out.push(p);
  }
}

const git = (cwd: string, a: string[], date = '2024-01-01T00:00:00Z', input?: string) =>
  execFileSync('git', a, { cwd, env: benchGitEnv(date), encoding: 'utf8', maxBuffer: 1 << 28, input });

/** Changelog lines of the dev sets (real text, none from a held-out project). */
function messages(): string[] {
  const spec = loadLocateSpecs();
  const out: string[] = [];
  for (const s of spec.sets.filter((x) => x.split === 'dev')) {
    const built = buildLocateSet(s, spec);
    for (const line of git(built.repo, ['log', '--format=%s%n%b']).split('\n'))
      if (line.trim().length > 20 && !/^Release /.test(line)) out.push(line.replace(/^\* /, ''));
  }
  return out;
}

function buildRepo(): { dir: string; files: string[] } {
  const dir = join(BENCH_CACHE, `locate-latency-${FILES}`);
  const meta = join(dir, '.files.json');
  if (existsSync(meta)) return { dir, files: JSON.parse(readFileSync(meta, 'utf8')) as string[] };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const root = join(import.meta.dirname, '..', 'node_modules');
  const picked: string[] = [];
  sourceFiles(root, picked, FILES);
  const files = picked.map((p) => relative(root, p).split('\\').join('/'));
  git(dir, ['init', '-q', '-b', 'main']);
  picked.forEach((p, i) => {
    mkdirSync(dirname(join(dir, files[i])), { recursive: true });
    cpSync(p, join(dir, files[i]));
  });
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'import the sources'], '2023-01-01T00:00:00Z');
  const rand = rng(42);
  const msgs = messages();
  for (let c = 0; c < COMMITS; c++) {
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) appendFileSync(join(dir, files[Math.floor(rand() * files.length)]), `\n// change ${c}.${k}\n`);
    const date = new Date(Date.UTC(2023, 0, 2) + c * 86_400_000).toISOString();
    git(dir, ['commit', '-q', '-a', '-F', '-'], date, `${msgs[c % msgs.length]}\n`);
  }
  writeFileSync(meta, JSON.stringify(files));
  return { dir, files };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const { dir, files } = buildRepo();
const data = join(BENCH_CACHE, `locate-latency-data-${FILES}`);
const engine = await Engine.open(loadConfig({ ...process.env, CONTEXTD_DATA_DIR: join(data, 'data'), CONTEXTD_CONFIG_DIR: join(data, 'config') }));
try {
  let t = performance.now();
  await engine.index(dir);
  const indexMs = performance.now() - t;
  t = performance.now();
  await engine.embedPending();
  const embedMs = performance.now() - t;
  const msgs = messages();
  // Distinct descriptions (a repeated one would be answered from the search cache).
  const queries = Array.from({ length: 60 }, (_, i) => `${msgs[(i * 7) % msgs.length]} (report ${i + 1})`);
  t = performance.now();
  const first = await engine.locate(queries[0], { repo: dir, retrain: true });
  const firstMs = performance.now() - t;
  const times: number[] = [];
  for (const q of queries) {
    const s = performance.now();
    await engine.locate(q, { repo: dir });
    times.push(performance.now() - s);
  }
  const result = {
    date: new Date().toISOString(),
    repo: { files: files.length, commits: COMMITS + 1 },
    indexMs: Math.round(indexMs),
    embedMs: Math.round(embedMs),
    firstCallMs: Math.round(firstMs),
    training: first.model.training.reason,
    queries: times.length,
    latencyMs: { p50: Math.round(pct(times, 50)), p95: Math.round(pct(times, 95)), max: Math.round(Math.max(...times)) },
    // The machine is shared: the 1-minute load average when the queries ended says how much.
    loadAverage: Number(loadavg()[0].toFixed(1)),
    cores: cpus().length,
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(join(process.cwd(), 'bench/results/locate-latency.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await engine.close();
}
