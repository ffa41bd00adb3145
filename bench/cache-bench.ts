/**
 * Issue 8 benchmark: search latency on the stdlib index through Engine.search
 * (what the daemon's MCP/LSP/CLI paths call), with no cache, the in-memory
 * cache, and the Redis cache cold and warm:
 *
 *   uncached        every query computed (cache disabled)
 *   memory cold     first pass on a fresh engine (miss + store)
 *   memory warm     second pass (in-process hits)
 *   redis cold      first pass on a fresh engine with a fresh Redis namespace (miss + SET)
 *   redis shared    first pass of a second engine on the same store and Redis ("another
 *                   daemon"): answered from Redis
 *   redis warm      second pass on that engine (its memory layer)
 *   after a commit  one bump of the repository's generation, then a pass: all misses again
 *
 * Each pass runs the same queries (identifiers, keywords, sentences) scoped to the
 * repository, as MCP does. Redis: REDIS_URL, else 127.0.0.1:6379, else a throwaway
 * redis-server. Run: npm run build && node --import tsx bench/cache-bench.ts
 * Writes bench/results/cache.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { REPO_SCOPE } from '../daemon/cache/types.js';
import { Redis } from 'ioredis';
import { stdlibRepo } from './corpus.js';
import { summarize } from './stats.js';

const QUERIES = [
  // identifiers
  'urlparse',
  'HTTPConnection',
  'JSONDecoder',
  'ThreadPoolExecutor',
  'getaddrinfo',
  'TextIOWrapper',
  'namedtuple',
  'SequenceMatcher',
  // keywords
  'parse json config',
  'http request headers',
  'read file lines',
  'decode utf8 bytes',
  'socket connect timeout',
  'tarfile extract member',
  'email message parser',
  'datetime timezone offset',
  'sqlite cursor execute',
  'logging handler format',
  'zip file write',
  'csv reader dialect',
  // sentences
  'where are http response headers parsed',
  'how does the thread pool shut down its workers',
  'retry a failed network connection after a timeout',
  'convert a relative path into an absolute one',
  'compute the difference between two sequences of lines',
  'escape special characters in a regular expression',
];

function answers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function redisUrl(work: string): Promise<{ url: string; source: string; stop: () => void }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, source: 'REDIS_URL', stop: () => {} };
  if (await answers(6379)) return { url: 'redis://127.0.0.1:6379', source: 'local 6379', stop: () => {} };
  const port = await new Promise<number>((r) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => r(p));
    });
  });
  const pidfile = join(work, 'redis.pid');
  execFileSync('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    pidfile,
    '--dir',
    work,
  ]);
  for (let i = 0; i < 200 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 25));
  return {
    url: `redis://127.0.0.1:${port}`,
    source: 'throwaway redis-server',
    stop: () => {
      try {
        process.kill(Number(readFileSync(pidfile, 'utf8')), 'SIGTERM');
      } catch {
        /* gone */
      }
    },
  };
}

async function pass(engine: Engine, root: string): Promise<number[]> {
  const out: number[] = [];
  for (const q of QUERIES) {
    const t0 = performance.now();
    await engine.search(q, { repo: root, limit: 10 });
    out.push(performance.now() - t0);
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'contextd-cache-bench-'));
const repo = stdlibRepo();
const baseEnv = {
  ...process.env,
  CONTEXTD_DATA_DIR: join(work, 'data'),
  CONTEXTD_CONFIG_DIR: join(work, 'cfg'),
  CONTEXTD_REDIS_URL: '',
  CONTEXTD_QDRANT_URL: '',
};
mkdirSync(join(work, 'cfg'), { recursive: true });

console.error('indexing the stdlib (and embedding it with the built-in model)…');
const t0 = performance.now();
const indexer = await Engine.open(loadConfig(baseEnv));
const summary = await indexer.index(repo);
await indexer.embedPending();
await indexer.close();
console.error(`  ${summary.files} files, ${summary.chunks} chunks in ${Math.round(performance.now() - t0)} ms`);

const results: Record<string, ReturnType<typeof summarize>> = {};
const record = (name: string, samples: number[]) => {
  results[name] = summarize(samples);
  console.error(`  ${name.padEnd(16)} p50 ${results[name].p50} ms  p95 ${results[name].p95} ms`);
};

// Warm the OS cache and SQLite's page cache once, so the first measured pass is not a disk pass.
{
  const warm = await Engine.open(loadConfig({ ...baseEnv, CONTEXTD_REDIS_URL: '' }));
  await pass(warm, repo);
  await warm.close();
}

// No cache: a config with zero cache entries stores nothing.
writeFileSync(join(work, 'cfg', 'config.toml'), '[cache]\nmaxEntries = 0\n');
{
  const e = await Engine.open(loadConfig(baseEnv));
  await pass(e, repo); // steady state
  record('uncached', [...(await pass(e, repo)), ...(await pass(e, repo))]);
  await e.close();
}
rmSync(join(work, 'cfg', 'config.toml'));

{
  const e = await Engine.open(loadConfig(baseEnv));
  record('memory cold', await pass(e, repo));
  record('memory warm', await pass(e, repo));
  await e.close();
}

const redis = await redisUrl(work);
console.error(`redis: ${redis.source} (${redis.url})`);
const redisEnv = { ...baseEnv, CONTEXTD_REDIS_URL: redis.url, CONTEXTD_REDIS_PREFIX: `contextd-bench-${process.pid}` };
let redisVersion: string | null;
{
  const a = await Engine.open(loadConfig(redisEnv));
  await a.search('warm up the connection', { repo, limit: 1 });
  record('redis cold', await pass(a, repo));
  await a.cache.settled();
  await new Promise((r) => setTimeout(r, 100)); // the SETs are fire-and-forget
  const b = await Engine.open(loadConfig(redisEnv));
  await b.search('warm up the connection', { repo, limit: 1 });
  record('redis shared', await pass(b, repo));
  record('redis warm', await pass(b, repo));
  const repoId = (await b.repoFor(repo)).id;
  a.cache.bump([REPO_SCOPE(repoId)]);
  await a.cache.settled();
  await new Promise((r) => setTimeout(r, 50));
  record('after a commit', await pass(b, repo));
  redisVersion = (await b.cache.probe()).version ?? null;
  const stats = b.cache.stats();
  console.error(`  engine b: ${stats.hits} hits (${stats.sharedHits} from Redis), ${stats.misses} misses, ${stats.remoteBumps} remote invalidations`);
  await a.close();
  await b.close();
  // Leave a shared Redis as it was (entries expire; generations would not).
  const r = new Redis(redis.url);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${redisEnv.CONTEXTD_REDIS_PREFIX}:*`, 'COUNT', 1000);
    if (keys.length) await r.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  r.disconnect();
}
redis.stop();

const out = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, load: readFileSync('/proc/loadavg', 'utf8').trim() },
  corpus: { repo: 'python stdlib', files: summary.files, chunks: summary.chunks },
  queries: QUERIES.length,
  redis: { source: redis.source, version: redisVersion },
  searchMs: results,
};
mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
writeFileSync(join(process.cwd(), 'bench', 'results', 'cache.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out, null, 2));
rmSync(work, { recursive: true, force: true });
