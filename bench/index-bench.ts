/**
 * Issue 2 benchmark: full lexical+symbol index of the Python stdlib and of this
 * repository, next to `ctags -R` on the same trees, plus in-process query latency
 * for search and symbols. Run: npm run build && node --import tsx bench/index-bench.ts
 * Writes bench/results/index.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { splitIdentifier } from '../daemon/search/tokenize.js';
import { selfRepo, stdlibRepo, treeBytes } from './corpus.js';
import { round, summarize } from './stats.js';

const CLI = join(process.cwd(), 'dist/daemon/cli/main.js');

function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): { wallMs: number; peakRssMiB: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M', cmd, ...args], { env, cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /__TIME__ ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing in: ${r.stderr}`);
  return { wallMs: Number(m[1]) * 1000, peakRssMiB: round(Number(m[2]) / 1024, 1), stdout: r.stdout };
}

/** Deterministic PRNG so every run asks the same queries. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function queryLatency(dataDir: string, repo: string) {
  const env = { ...process.env, CONTEXTD_DATA_DIR: dataDir };
  const engine = await Engine.open(loadConfig(env));
  const raw = new SqliteStore(join(dataDir, 'index.db'), { readonly: true });
  const names = (
    raw.raw.prepare("SELECT DISTINCT name FROM symbols WHERE kind IN ('function','method','class') AND length(name) > 3").all() as { name: string }[]
  ).map((r) => r.name);
  await raw.close();
  const rand = rng(42);
  const pick = () => names[Math.floor(rand() * names.length)];
  const identifierQueries = Array.from({ length: 60 }, pick);
  const wordQueries = Array.from({ length: 60 }, () => {
    const parts = [...splitIdentifier(pick()), ...splitIdentifier(pick())].filter((p) => p.length > 2);
    return parts.slice(0, 2).join(' ') || 'read file';
  });
  const prefixQueries = identifierQueries.map((q) => q.slice(0, 4));

  // Warm-up: first queries load caches (symbol names, SQLite pages).
  for (const q of identifierQueries.slice(0, 5)) await engine.search(q, { repo });
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  const search: number[] = [];
  for (const q of [...identifierQueries, ...wordQueries]) search.push(await time(() => engine.search(q, { repo, limit: 10 })));
  const symbols: number[] = [];
  for (const q of [...identifierQueries, ...prefixQueries]) symbols.push(await time(() => engine.symbols(q, { repo, limit: 20 })));
  await engine.close();
  return { search: summarize(search), symbols: summarize(symbols) };
}

async function benchTree(label: string, dir: string) {
  const { files, bytes } = treeBytes(dir);
  const ctagsOut = join(mkdtempSync(join(tmpdir(), 'ctags-')), 'tags');
  const ctags = timeCommand('ctags', ['-R', '-f', ctagsOut, '.'], process.env, dir);
  const ctagsTags = Number(execFileSync('sh', ['-c', `grep -vc '^!_' "${ctagsOut}" || true`], { encoding: 'utf8' }).trim());

  const dataDir = mkdtempSync(join(tmpdir(), 'contextd-bench-data-'));
  const env = { ...process.env, CONTEXTD_DATA_DIR: dataDir, CONTEXTD_CONFIG_DIR: join(dataDir, 'noconfig') };
  const cold = timeCommand(process.execPath, [CLI, 'index', dir, '--json', '--no-embed'], env);
  const summary = JSON.parse(cold.stdout) as { files: number; chunks: number; symbols: number; bytesParsed: number };
  const warm = timeCommand(process.execPath, [CLI, 'index', dir, '--json', '--no-embed'], env);
  const dbBytes = ['index.db', 'index.db-wal'].reduce((n, f) => {
    try {
      return n + statSync(join(dataDir, f)).size;
    } catch {
      return n;
    }
  }, 0);
  const latency = await queryLatency(dataDir, dir);
  rmSync(dataDir, { recursive: true, force: true });
  const secs = cold.wallMs / 1000;
  return {
    corpus: label,
    files,
    mb: round(bytes / 1024 / 1024, 1),
    contextd: {
      wallMs: Math.round(cold.wallMs),
      mbPerSec: round(bytes / 1024 / 1024 / secs, 1),
      filesPerSec: Math.round(files / secs),
      filesIndexed: summary.files,
      chunks: summary.chunks,
      symbols: summary.symbols,
      dbMiB: round(dbBytes / 1024 / 1024, 1),
      peakRssMiB: cold.peakRssMiB,
      reindexUnchangedMs: Math.round(warm.wallMs),
    },
    ctags: { wallMs: Math.round(ctags.wallMs), tags: ctagsTags, peakRssMiB: ctags.peakRssMiB },
    latencyMs: latency,
  };
}

const results = {
  date: new Date().toISOString(),
  machine: `${process.platform} ${process.arch}, node ${process.version}, ${(await import('node:os')).availableParallelism()} cores`,
  trees: [await benchTree('python stdlib (no tests)', stdlibRepo()), await benchTree('contextd (this repo)', selfRepo())],
};
mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
writeFileSync(join(process.cwd(), 'bench/results/index.json'), JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
