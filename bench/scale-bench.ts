/**
 * Issue 20 benchmark: a monorepo-sized first index and searches at that size. The corpus is
 * Debian's JDK class library (openjdk-17-source, ~15k Java files, one commit; corpus.ts).
 *   1. `ctags -R` on the tree (the yardstick, measured in the same run);
 *   2. `contextd index` with defaults (lexical, symbols, history, embeddings) in a fresh data
 *      dir: wall, peak RSS, each phase (the summary's timings) and its MB/s;
 *   3. the database size;
 *   4. a daemon on that data dir: search latency through its control socket, and the wall
 *      time of a whole `contextd search` process (which asks that daemon).
 * Run: npm run build && nice -n 10 node --import tsx bench/scale-bench.ts [--modules java.base] [--queries 200]
 * Writes bench/results/scale.json (or scale-<modules>.json for a part of the tree).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { callDaemon } from '../daemon/server/rpc-client.js';
import type { DaemonSearchAnswer } from '../daemon/types.js';
import type { DaemonStatus } from '../daemon/server/status.js';
import { splitIdentifier } from '../daemon/search/tokenize.js';
import { JDK_SOURCE, jdkRepo, treeBytes } from './corpus.js';
import { round, summarize } from './stats.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--help')) {
  console.log('usage: node --import tsx bench/scale-bench.ts [--modules java.base,java.sql] [--queries N] [--cli-runs N]');
  process.exit(0);
}
const modules = opt('--modules')?.split(',').filter(Boolean) ?? [];
const queryCount = Number(opt('--queries') ?? 200);
const cliRuns = Number(opt('--cli-runs') ?? 20);
const CLI = join(process.cwd(), 'dist/daemon/cli/main.js');

/** A whole command timed from outside by /usr/bin/time: wall, peak RSS, CPU. */
function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', cmd, ...argv], { env, cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing in: ${r.stderr.slice(-500)}`);
  return { wallMs: Number(m[1]) * 1000, peakRssMiB: round(Number(m[2]) / 1024, 1), cpuS: round(Number(m[3]) + Number(m[4]), 1), stdout: r.stdout };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32);
}

const repo = jdkRepo(modules);
const { files, bytes } = treeBytes(repo);
const mb = bytes / 1024 / 1024;
console.error(`corpus: ${repo}: ${files} files, ${mb.toFixed(1)} MB; load ${loadavg()[0].toFixed(1)}`);

const home = mkdtempSync(join(tmpdir(), 'contextd-scale-'));
const dataDir = join(home, 'data');
const env = {
  ...process.env,
  HOME: home,
  CONTEXTD_DATA_DIR: dataDir,
  CONTEXTD_CONFIG_DIR: join(home, 'config'),
  CONTEXTD_SOCKET_DIR: join(home, 'run'),
  CONTEXTD_LOG_LEVEL: 'warn',
};
mkdirSync(env.CONTEXTD_SOCKET_DIR, { recursive: true, mode: 0o700 });
const loadBefore = loadavg()[0];

// 1 + 2: the yardstick and the first index, back to back.
const tags = join(home, 'tags');
const ctags = timed('ctags', ['-R', '-f', tags, '.'], process.env, repo);
const index = timed(process.execPath, [CLI, 'index', repo, '--json', '--no-progress'], env);
const summary = JSON.parse(index.stdout) as {
  files: number;
  chunks: number;
  symbols: number;
  bytesParsed: number;
  durationMs: number;
  timings: { scan: number; files: number; write: number; cleanup: number; history: number };
  embedding?: { added: number; durationMs: number; error?: string };
};
const loadDuring = loadavg()[0];
const dbBytes = ['index.db', 'index.db-wal'].reduce((n, f) => {
  try {
    return n + statSync(join(dataDir, f)).size;
  } catch {
    return n;
  }
}, 0);
const chunkTextMB = (() => {
  const db = new Database(join(dataDir, 'index.db'), { readonly: true });
  const r = db.prepare('SELECT SUM(length(CAST(text AS BLOB))) AS n FROM chunks').get() as { n: number };
  db.close();
  return r.n / 1024 / 1024;
})();
const perSec = (mbs: number, ms: number) => (ms > 0 ? round(mbs / (ms / 1000), 1) : null);
const t = summary.timings;
const stages = {
  scan: { ms: t.scan, mbPerSec: perSec(mb, t.scan) },
  parseAndWrite: {
    ms: t.files,
    mbPerSec: perSec(summary.bytesParsed / 1024 / 1024, t.files),
    note: 'read + check + parse on the workers, batched writes on the main thread, overlapped',
  },
  writes: { ms: t.write, mbPerSec: perSec(summary.bytesParsed / 1024 / 1024, t.write), note: 'main-thread time inside the batch transactions' },
  history: { ms: t.history, mbPerSec: perSec(mb, t.history) },
  embedding: {
    ms: summary.embedding?.durationMs ?? 0,
    chunksPerSec: summary.embedding?.durationMs ? Math.round(summary.embedding.added / (summary.embedding.durationMs / 1000)) : null,
    mbPerSec: perSec(chunkTextMB, summary.embedding?.durationMs ?? 0),
    note: 'starts when the files are stored; overlaps history',
  },
};

const out = join(process.cwd(), `bench/results/scale${modules.length ? `-${modules.join('+')}` : ''}.json`);
const indexResults = {
  date: new Date().toISOString(),
  machine: `${process.platform} ${process.arch}, node ${process.version}, ${availableParallelism()} cores; load average ${loadBefore.toFixed(1)} before, ${loadDuring.toFixed(1)} after the index`,
  corpus: `${JDK_SOURCE.deb} ${JDK_SOURCE.version}${modules.length ? ` (${modules.join(', ')})` : ''}`,
  files,
  mb: round(mb, 1),
  ctags: {
    wallMs: Math.round(ctags.wallMs),
    cpuS: ctags.cpuS,
    tags: Number(execFileSync('sh', ['-c', `grep -vc '^!_' "${tags}" || true`], { encoding: 'utf8' }).trim()),
  },
  index: {
    wallMs: Math.round(index.wallMs),
    cpuS: index.cpuS,
    ratioToCtags: round(index.wallMs / ctags.wallMs, 1),
    searchableMs: t.scan + t.files + t.cleanup,
    peakRssMiB: index.peakRssMiB,
    filesIndexed: summary.files,
    chunks: summary.chunks,
    symbols: summary.symbols,
    dbMiB: round(dbBytes / 1024 / 1024, 1),
    dbToSource: round(dbBytes / bytes, 2),
    stages,
    embeddingError: summary.embedding?.error ?? null,
  },
};
// The index part is kept even if the daemon part fails.
mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
writeFileSync(out, JSON.stringify({ ...indexResults, search: null }, null, 2) + '\n');
console.error(`index: ${JSON.stringify(indexResults.index)}`);

// 4: a daemon on the index: searches through the control socket, and whole CLI processes.
const socket = join(env.CONTEXTD_SOCKET_DIR, 'control.sock');
const daemon = spawn(process.execPath, [CLI, 'daemon', '--quiet'], { env, stdio: 'ignore' });
const call = <T>(method: string, params?: unknown) => callDaemon<T>(socket, method, params, 120_000);
// A daemon on a large store checks it first (quick_check): give a loaded machine minutes.
for (const deadline = Date.now() + 600_000; ;) {
  try {
    await call('ping');
    break;
  } catch (err) {
    if (Date.now() > deadline || daemon.exitCode !== null) throw err;
    await new Promise((r) => setTimeout(r, 250));
  }
}
// Ready = embeddings settled and the vector graph loaded: the first semantic search returns hits.
const readyStart = performance.now();
for (;;) {
  const s = await call<DaemonStatus>('status');
  if (s.embedding.state !== 'embedding' && s.embedding.embedded >= s.embedding.total) {
    const probe = await call<DaemonSearchAnswer>('search', { query: 'read bytes from a stream', scope: { repo, mode: 'semantic', limit: 5 } });
    if (probe.hits.length) break;
  }
  await new Promise((r) => setTimeout(r, 500));
}
const vectorsReadyMs = Math.round(performance.now() - readyStart);

const names = (() => {
  const db = new Database(join(dataDir, 'index.db'), { readonly: true });
  const r = db.prepare("SELECT DISTINCT name FROM symbols WHERE kind IN ('method','class','interface') AND length(name) > 4 ORDER BY name").all() as {
    name: string;
  }[];
  db.close();
  return r.map((x) => x.name);
})();
const rand = rng(20);
const pick = () => names[Math.floor(rand() * names.length)];
const queries = Array.from({ length: queryCount }, (_, i) => {
  if (i % 2 === 0) return pick();
  const words = [...splitIdentifier(pick()), ...splitIdentifier(pick())].filter((w) => w.length > 2);
  return words.slice(0, 3).join(' ') || 'read file';
});
for (const q of queries.slice(0, 10)) await call('search', { query: `${q} warm`, scope: { repo, limit: 10 } });
const daemonCpu = () => {
  const f = readFileSync(`/proc/${daemon.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const cpu0 = daemonCpu();
const daemonMs: number[] = [];
for (const q of queries) {
  const t0 = performance.now();
  await call('search', { query: q, scope: { repo, limit: 10 } });
  daemonMs.push(performance.now() - t0);
}
const cpuMsPerSearch = round(((daemonCpu() - cpu0) * 1000) / queries.length, 1);
const cliMs: number[] = [];
for (const q of queries.slice(0, cliRuns)) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'search', `${q} cli`, '--repo', repo, '--json'], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  cliMs.push(performance.now() - t0);
  if (r.status !== 0) throw new Error(`contextd search failed: ${r.stderr}`);
}
const daemonRss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${daemon.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
await call('stop').catch(() => {});
await new Promise((r) => daemon.once('exit', r));

const results = {
  ...indexResults,
  search: {
    vectorsReadyAfterDaemonStartMs: vectorsReadyMs,
    daemonMs: summarize(daemonMs),
    daemonCpuMsPerSearch: cpuMsPerSearch,
    cliWallMs: summarize(cliMs),
    daemonRssMiB: round(daemonRss, 1),
    queries: queries.length,
  },
};
rmSync(home, { recursive: true, force: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
