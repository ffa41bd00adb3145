/**
 * Issue 6 benchmark: search_code latency through mcp.sock with 1 and 20
 * concurrent clients (the real MCP SDK client) on the stdlib index.
 * Run: npm run build && node --import tsx bench/mcp-bench.ts. Writes bench/results/mcp.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callDaemon } from '../daemon/server/rpc-client.js';
import { UnixSocketClientTransport } from '../tests/helpers/mcp-socket-transport.js';
import { stdlibRepo } from './corpus.js';
import { summarize } from './stats.js';
import { daemonReady } from './daemon-ready.js';

const CLI = join(process.cwd(), 'dist/daemon/cli/main.js');
const home = mkdtempSync(join(tmpdir(), 'contextd-mcp-bench-'));
const env = {
  ...process.env,
  HOME: home,
  XDG_DATA_HOME: join(home, 'data'),
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_RUNTIME_DIR: join(home, 'run'),
  CONTEXTD_LOG_LEVEL: 'warn',
};
mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
const sockDir = join(env.XDG_RUNTIME_DIR, 'contextd');
const repo = stdlibRepo();

const daemon = spawn(process.execPath, [CLI, 'daemon', '--quiet'], { env, stdio: 'ignore' });
const call = <T>(m: string, p?: unknown) => callDaemon<T>(join(sockDir, 'control.sock'), m, p, 600_000);
await daemonReady(join(sockDir, 'control.sock'));
await call('repo.add', { path: repo });
await call('wait', { timeoutMs: 600_000 });
// Measure a settled daemon: background embedding of the first index done.
for (;;) {
  const s = await call<{ embedding: { state: string; embedded: number; total: number } }>('status');
  if (s.embedding.state !== 'training' && s.embedding.state !== 'embedding' && s.embedding.embedded >= s.embedding.total) break;
  await new Promise((r) => setTimeout(r, 500));
}

const QUERIES = [
  'parse json config',
  'http request headers',
  'read file lines',
  'thread pool executor',
  'decode utf8 bytes',
  'socket connect timeout',
  'tarfile extract',
  'email message parser',
  'datetime timezone offset',
  'random choice',
  'sqlite cursor execute',
  'unittest assert equal',
  'logging handler format',
  'urlparse query string',
  'zip file write',
  'subprocess pipe',
  'csv reader dialect',
  'pickle load',
  'shutil copytree',
  'heapq merge',
];

async function client(): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new UnixSocketClientTransport(join(sockDir, 'mcp.sock')));
  return c;
}

// Distinct queries (every call misses the query cache): word pairs from the stdlib's vocabulary.
const WORDS = [
  'parse',
  'json',
  'http',
  'request',
  'header',
  'file',
  'line',
  'thread',
  'pool',
  'decode',
  'socket',
  'timeout',
  'archive',
  'message',
  'date',
  'zone',
  'random',
  'cursor',
  'assert',
  'handler',
  'format',
  'query',
  'write',
  'pipe',
  'reader',
  'pickle',
  'copy',
  'merge',
  'buffer',
  'stream',
];
let nextQuery = 0;
function distinctQuery(): string {
  const n = nextQuery++;
  return `${WORDS[n % WORDS.length]} ${WORDS[Math.floor(n / WORDS.length) % WORDS.length]}`;
}

async function run(clients: number, callsPerClient: number, distinct: boolean): Promise<number[]> {
  const cs = await Promise.all(Array.from({ length: clients }, client));
  // Warm-up.
  await cs[0].callTool({ name: 'search_code', arguments: { query: 'warm up', repo } });
  const samples: number[] = [];
  await Promise.all(
    cs.map(async (c, i) => {
      for (let k = 0; k < callsPerClient; k++) {
        const q = distinct ? distinctQuery() : QUERIES[(i * 7 + k) % QUERIES.length];
        const t0 = performance.now();
        await c.callTool({ name: 'search_code', arguments: { query: q, repo } });
        samples.push(performance.now() - t0);
      }
    }),
  );
  await Promise.all(cs.map((c) => c.close()));
  return samples;
}

const one = await run(1, 100, true);
const twenty = await run(20, 10, true);
const oneWarm = await run(1, 100, false);
const twentyWarm = await run(20, 10, false);
await call('stop').catch(() => {});
await new Promise((r) => daemon.once('exit', r));
rmSync(home, { recursive: true, force: true });
const results = {
  date: new Date().toISOString(),
  corpus: 'python stdlib (734 files)',
  searchCodeMs: {
    distinctQueries: { oneClient: summarize(one), twentyClients: summarize(twenty) },
    repeatedQueries: { oneClient: summarize(oneWarm), twentyClients: summarize(twentyWarm) },
  },
};
mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
writeFileSync(join(process.cwd(), 'bench/results/mcp.json'), JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
