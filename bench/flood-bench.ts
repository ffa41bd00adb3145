/**
 * Hardening benchmark: how much an 8 MB flood of whitespace on one socket delays a
 * concurrent `status` on control.sock, for each socket the daemon serves
 * (control, mcp, lsp). The daemon indexes the fixture `history` repository; a
 * client then sends `status` back to back, first with no flood (baseline), then
 * while another connection pours 8 MB of spaces into each socket as fast as the
 * socket takes them. Reports status latency p50/p95/max and whether the flooding
 * connection was dropped.
 *   npm run build && node --import tsx bench/flood-bench.ts
 * Writes bench/results/flood.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callDaemon } from '../daemon/server/rpc-client.js';
import { buildFixture } from '../fixtures/repos.js';
import { round, summarize } from './stats.js';
import { daemonReady } from './daemon-ready.js';

const CLI = join(process.cwd(), 'dist/daemon/cli/main.js');
const home = mkdtempSync(join(tmpdir(), 'contextd-flood-bench-'));
const env = {
  ...process.env,
  HOME: home,
  XDG_DATA_HOME: join(home, 'data'),
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_RUNTIME_DIR: join(home, 'run'),
  CONTEXTD_LOG_LEVEL: 'warn',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};
mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
const sockDir = join(env.XDG_RUNTIME_DIR, 'contextd');
const control = join(sockDir, 'control.sock');
const repo = join(home, 'history');
await buildFixture('history', repo);

const daemon = spawn(process.execPath, [CLI, 'daemon', '--quiet'], { env, stdio: 'ignore' });
const call = <T>(method: string, params?: unknown, timeout = 60_000) => callDaemon<T>(control, method, params, timeout);
await daemonReady(control);
await call('repo.add', { path: repo });
await call('wait', { timeoutMs: 120_000 });

async function statusLatencies(while_: () => boolean, min: number): Promise<number[]> {
  const out: number[] = [];
  while (while_() || out.length < min) {
    const t0 = performance.now();
    await call('status');
    out.push(performance.now() - t0);
  }
  return out;
}

function flood(path: string, bytes: number): { done: Promise<{ dropped: boolean; sent: number; ms: number }> } {
  const t0 = performance.now();
  const done = new Promise<{ dropped: boolean; sent: number; ms: number }>((resolve) => {
    const sock = connect(path);
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    let finished = false;
    const finish = (dropped: boolean) => {
      if (finished) return;
      finished = true;
      sock.destroy();
      resolve({ dropped, sent, ms: performance.now() - t0 });
    };
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!sock.write(chunk)) return void sock.once('drain', pump);
      }
      setTimeout(() => finish(false), 2000);
    };
    sock.on('connect', pump);
  });
  return { done };
}

const results: Record<string, unknown> = {};
const base = summarize(await statusLatencies(() => false, 50));
results.baseline = { p50: round(base.p50), p95: round(base.p95), max: round(base.max), n: base.n };
console.log(`status, no flood: p50 ${round(base.p50)} ms, max ${round(base.max)} ms`);
for (const name of ['control.sock', 'mcp.sock', 'lsp.sock']) {
  const samples: number[] = [];
  let dropped = 0;
  for (let run = 0; run < 5; run++) {
    let flooding = true;
    const f = flood(join(sockDir, name), 8 * 1024 * 1024);
    const lat = statusLatencies(() => flooding, 5);
    const r = await f.done;
    flooding = false;
    samples.push(...(await lat));
    if (r.dropped) dropped++;
  }
  const s = summarize(samples);
  results[name] = {
    p50: round(s.p50),
    p95: round(s.p95),
    max: round(s.max),
    n: s.n,
    droppedRuns: `${dropped}/5`,
    addedP50Ms: round(s.p50 - base.p50),
    addedMaxMs: round(s.max - base.max),
  };
  console.log(`status during an 8 MB flood on ${name}: p50 ${round(s.p50)} ms, max ${round(s.max)} ms; connection dropped ${dropped}/5`);
}
daemon.kill('SIGTERM');
await new Promise((r) => daemon.on('exit', r));
rmSync(home, { recursive: true, force: true });
mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
writeFileSync(
  join(process.cwd(), 'bench/results/flood.json'),
  JSON.stringify(
    { date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, statusLatencyMs: results },
    null,
    2,
  ) + '\n',
);
