/**
 * Issue 4 benchmark: the daemon on a real repository (the Python stdlib as a git
 * repo). Commit-to-searchable latency for 1-file and 20-file commits (20 each),
 * a branch switch between branches that differ in 100 files, daemon RSS idle
 * and while indexing, CPU while idle. Run: npm run build && node --import tsx bench/daemon-bench.ts
 * Writes bench/results/daemon.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { callDaemon } from '../daemon/server/rpc-client.js';
import type { DaemonStatus } from '../daemon/server/status.js';
import { git, stdlibRepo } from './corpus.js';
import { round, summarize } from './stats.js';
import { daemonReady } from './daemon-ready.js';

const CLI = join(process.cwd(), 'dist/daemon/cli/main.js');
const home = mkdtempSync(join(tmpdir(), 'contextd-daemon-bench-'));
const env = {
  ...process.env,
  HOME: home,
  XDG_DATA_HOME: join(home, 'data'),
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_RUNTIME_DIR: join(home, 'run'),
  CONTEXTD_LOG_LEVEL: 'warn',
};
mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
const socket = join(env.XDG_RUNTIME_DIR, 'contextd', 'control.sock');
const dbPath = join(env.XDG_DATA_HOME, 'contextd', 'index.db');

const repo = join(home, 'stdlib');
cpSync(stdlibRepo(), repo, { recursive: true });

const daemon = spawn(process.execPath, [CLI, 'daemon', '--quiet'], { env, stdio: 'ignore' });
const call = <T>(method: string, params?: unknown, timeout = 600_000) => callDaemon<T>(socket, method, params, timeout);
await daemonReady(socket);

function procStatus(pid: number): { rssMiB: number; hwmMiB: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssMiB: round(kb('VmRSS') / 1024, 1), hwmMiB: round(kb('VmHWM') / 1024, 1), cpuTicks: Number(stat[11]) + Number(stat[12]) };
}

// Initial index, sampling RSS while it runs.
const t0 = performance.now();
await call('repo.add', { path: repo });
let peakWhileIndexing = 0;
const sampler = setInterval(() => (peakWhileIndexing = Math.max(peakWhileIndexing, procStatus(daemon.pid!).rssMiB)), 100);
await call('wait', { timeoutMs: 600_000 });
const initialIndexMs = Math.round(performance.now() - t0);
// Background embedding (training the built-in model on this code, then vectors) follows the
// lexical index; everything below is measured once it has settled.
async function embeddingSettled(): Promise<{ embedded: number; total: number }> {
  for (;;) {
    const s = await call<DaemonStatus>('status');
    if (s.embedding.state !== 'training' && s.embedding.state !== 'embedding' && s.embedding.embedded >= s.embedding.total) return s.embedding;
    await new Promise((r) => setTimeout(r, 250));
  }
}
await embeddingSettled();
clearInterval(sampler);
const embeddingDoneMs = Math.round(performance.now() - t0);

const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const hasSymbol = db.prepare('SELECT 1 FROM symbols s JOIN files f ON f.parse_id = s.parse_id WHERE s.name = ? LIMIT 1');

async function untilSearchable(name: string, timeoutMs = 60_000): Promise<number> {
  const start = performance.now();
  while (!hasSymbol.get(name)) {
    if (performance.now() - start > timeoutMs) throw new Error(`${name} never became searchable`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - start;
}

const files = git(repo, ['ls-files', '*.py']).split('\n').filter(Boolean);
let n = 0;
async function commitLatency(filesPerCommit: number, commits: number): Promise<number[]> {
  const out: number[] = [];
  for (let c = 0; c < commits; c++) {
    const names: string[] = [];
    for (let f = 0; f < filesPerCommit; f++) {
      const name = `bench_marker_${n++}`;
      names.push(name);
      appendFileSync(join(repo, files[(n * 7) % files.length]), `\n\ndef ${name}():\n    return ${n}\n`);
    }
    git(repo, ['commit', '-qam', `bench commit ${c}`]);
    // Time from git commit returning until the last marker is searchable.
    const ms = await untilSearchable(names[names.length - 1]);
    out.push(ms);
    await call('wait', {});
  }
  return out;
}
const oneFile = await commitLatency(1, 20);
const twentyFiles = await commitLatency(20, 20);

// Two branches that differ in 100 files.
git(repo, ['checkout', '-q', '-b', 'bench-other']);
for (let i = 0; i < 100; i++) appendFileSync(join(repo, files[i]), `\n\ndef branch_marker_${i}():\n    return ${i}\n`);
git(repo, ['commit', '-qam', 'other branch: 100 files']);
await call('wait', {});
git(repo, ['checkout', '-q', 'main']);
await call('wait', {});
await embeddingSettled();
const totalsBefore = (await call<DaemonStatus>('status')).totals;
const embeddedBefore = (await call<DaemonStatus>('status')).embedding.embedded;
const switches: number[] = [];
for (const [branch, marker] of [
  ['bench-other', 'branch_marker_99'],
  ['main', null],
  ['bench-other', 'branch_marker_99'],
  ['main', null],
] as const) {
  const start = performance.now();
  git(repo, ['checkout', '-q', branch]);
  if (marker) await untilSearchable(marker);
  await call('wait', {});
  switches.push(performance.now() - start);
}
const totalsAfter = (await call<DaemonStatus>('status')).totals;
const vectorsBefore = await embeddingSettled();

// Idle: RSS and CPU over 10 s with nothing happening.
await new Promise((r) => setTimeout(r, 2000));
const idleStart = procStatus(daemon.pid!);
const idleT0 = performance.now();
await new Promise((r) => setTimeout(r, 10_000));
const idleEnd = procStatus(daemon.pid!);
const ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const idleCpuPercent = round((((idleEnd.cpuTicks - idleStart.cpuTicks) / ticksPerSec) * 1000 * 100) / (performance.now() - idleT0), 2);

db.close();
await call('stop', {}).catch(() => {});
await new Promise((r) => daemon.once('exit', r));
rmSync(home, { recursive: true, force: true });

const results = {
  date: new Date().toISOString(),
  repo: `python stdlib as a git repo (${files.length} files)`,
  initialIndexMs,
  embeddingDoneMs,
  commitToSearchableMs: { oneFile: summarize(oneFile), twentyFiles: summarize(twentyFiles) },
  branchSwitch100FilesMs: summarize(switches),
  branchSwitchReparse: {
    parsed: totalsAfter.parsed - totalsBefore.parsed,
    newChunks: totalsAfter.newChunks - totalsBefore.newChunks,
    reused: totalsAfter.reused - totalsBefore.reused,
    // Vectors are per chunk hash: the same count before and after means nothing was embedded again.
    vectorsAdded: vectorsBefore.embedded - embeddedBefore,
  },
  rssMiB: { idle: idleEnd.rssMiB, peakWhileIndexing, highWaterMark: idleEnd.hwmMiB },
  idleCpuPercent,
};
mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
writeFileSync(join(process.cwd(), 'bench/results/daemon.json'), JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
