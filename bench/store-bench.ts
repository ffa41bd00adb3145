/**
 * Issue 8 benchmark: the metadata store, SQLite vs PostgreSQL, in the same run, on the
 * stdlib index (bench/corpus.ts):
 *
 *   index       a full first index (files, chunks, symbols, lexical rows, git history)
 *               into an empty store, parse workers as configured (2)
 *   search      Engine.search over a fixed query list (identifiers, keywords, sentences),
 *               scoped to the repository as MCP does, cache off: p50/p95 over 3 passes
 *   lexical     the lexical retriever alone (mode lexical)
 *   symbols     Engine.symbols (fuzzy symbol lookup)
 *   parity      every query's hits compared between the backends (path, lines, score)
 *   cache       on PostgreSQL: the in-memory cache cold/warm, and Redis cold/warm when a
 *               Redis answers (REDIS_URL or 127.0.0.1:6379); bench/cache-bench.ts has the
 *               full Redis story on SQLite
 *
 * PostgreSQL: PG_URL, else 127.0.0.1:5432/test; a schema of its own, dropped at the end.
 * Goal: PostgreSQL within 2x of SQLite for indexing, under 30 ms p50 search.
 * Run: npm run build && node --import tsx bench/store-bench.ts  (writes bench/results/store.json)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../daemon/config/config.js';
import { Engine, type EngineSearchHit } from '../daemon/engine.js';
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
  'parse_qsl',
  'make_archive',
  '__init__',
  'readline',
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
  'self',
  'return none',
  // sentences
  'where are http response headers parsed',
  'how does the thread pool shut down its workers',
  'retry a failed network connection after a timeout',
  'convert a relative path into an absolute one',
  'compute the difference between two sequences of lines',
  'escape special characters in a regular expression',
];

const work = mkdtempSync(join(tmpdir(), 'contextd-store-bench-'));
const repo = stdlibRepo();
const pgBase = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `contextd_bench_${process.pid}`;
const pgUrl = (() => {
  const u = new URL(pgBase);
  u.searchParams.set('schema', schema);
  return u.toString();
})();
mkdirSync(join(work, 'cfg'), { recursive: true });
const envFor = (backend: 'sqlite' | 'postgres', extra: Record<string, string> = {}) => ({
  ...process.env,
  CONTEXTD_DATA_DIR: join(work, `data-${backend}`),
  CONTEXTD_CONFIG_DIR: join(work, 'cfg'),
  CONTEXTD_REDIS_URL: '',
  CONTEXTD_QDRANT_URL: '',
  CONTEXTD_DATABASE_URL: backend === 'postgres' ? pgUrl : '',
  CONTEXTD_MACHINE: 'bench',
  ...extra,
});

type Sample = { n: number; p50: number; p95: number; max: number; mean: number };

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

async function pass(engine: Engine, fn: (q: string) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const q of QUERIES) out.push((await timed(() => fn(q))).ms);
  return out;
}

function redisAnswers(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString())));
  });
}

const results: Record<string, unknown> = {};
const hits: Record<string, Map<string, EngineSearchHit[]>> = {};

// Cache off for the latency passes.
writeFileSync(join(work, 'cfg', 'config.toml'), '[cache]\nmaxEntries = 0\n');
for (const backend of ['sqlite', 'postgres'] as const) {
  console.error(`${backend}: indexing the stdlib…`);
  const engine = await Engine.open(loadConfig(envFor(backend)));
  const { value: summary, ms } = await timed(() => engine.index(repo));
  const health = await engine.store.health();
  console.error(
    `  ${summary.files} files, ${summary.chunks} chunks, ${summary.symbols} symbols in ${Math.round(ms)} ms (history ${summary.history ? 'on' : 'off'})`,
  );
  // Steady state: one warm-up pass loads caches (symbol names, pages, plans).
  await pass(engine, (q) => engine.search(q, { repo, limit: 10 }));
  const search = [...(await pass(engine, (q) => engine.search(q, { repo, limit: 10 }))), ...(await pass(engine, (q) => engine.search(q, { repo, limit: 10 })))];
  await pass(engine, (q) => engine.search(q, { repo, limit: 10, mode: 'lexical' }));
  const lexical = [
    ...(await pass(engine, (q) => engine.search(q, { repo, limit: 10, mode: 'lexical' }))),
    ...(await pass(engine, (q) => engine.search(q, { repo, limit: 10, mode: 'lexical' }))),
  ];
  const symbols = await pass(engine, (q) => engine.symbols(q, { repo }));
  hits[backend] = new Map();
  for (const q of QUERIES) hits[backend].set(q, await engine.search(q, { repo, limit: 10, mode: 'lexical' }));
  for (const q of QUERIES) hits[backend].set(`hybrid: ${q}`, await engine.search(q, { repo, limit: 10 }));
  results[backend] = {
    version: health.version,
    index: {
      ms: Math.round(ms),
      files: summary.files,
      chunks: summary.chunks,
      symbols: summary.symbols,
      historyMs: summary.history ? Math.round((summary.history as { durationMs?: number }).durationMs ?? 0) : null,
    },
    searchMs: summarize(search),
    lexicalMs: summarize(lexical),
    symbolsMs: summarize(symbols),
  };
  const r = results[backend] as { searchMs: Sample; lexicalMs: Sample; symbolsMs: Sample };
  console.error(`  search p50 ${r.searchMs.p50} ms p95 ${r.searchMs.p95} ms; lexical p50 ${r.lexicalMs.p50} ms; symbols p50 ${r.symbolsMs.p50} ms`);
  await engine.close();
}
rmSync(join(work, 'cfg', 'config.toml'));

// Same hits, same order, same scores?
let identical = 0;
const differing: string[] = [];
for (const q of [...QUERIES, ...QUERIES.map((x) => `hybrid: ${x}`)]) {
  const strip = (h: EngineSearchHit[]) => JSON.stringify(h.map((x) => [x.path, x.startLine, x.endLine, x.score]));
  if (strip(hits.sqlite.get(q)!) === strip(hits.postgres.get(q)!)) identical++;
  else differing.push(q);
}
console.error(
  `parity: ${identical}/${2 * QUERIES.length} searches (lexical and hybrid) with identical hits${differing.length ? ` (differ: ${differing.join(', ')})` : ''}`,
);

// The query cache on top of PostgreSQL (the Redis engineer's bench/cache-bench.ts covers SQLite).
const cache: Record<string, Sample> = {};
{
  const e = await Engine.open(loadConfig(envFor('postgres')));
  cache['memory cold'] = summarize(await pass(e, (q) => e.search(q, { repo, limit: 10 })));
  cache['memory warm'] = summarize(await pass(e, (q) => e.search(q, { repo, limit: 10 })));
  await e.close();
}
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: string | null = null;
if (await redisAnswers(redisUrl)) {
  redis = redisUrl.replace(/:[^:@/]*@/, ':***@');
  const env = envFor('postgres', { CONTEXTD_REDIS_URL: redisUrl, CONTEXTD_REDIS_PREFIX: `contextd-store-bench-${process.pid}` });
  const a = await Engine.open(loadConfig(env));
  await a.search('warm up the connection', { repo, limit: 1 });
  cache['redis cold'] = summarize(await pass(a, (q) => a.search(q, { repo, limit: 10 })));
  await a.cache.settled();
  await new Promise((r) => setTimeout(r, 100));
  const b = await Engine.open(loadConfig(env));
  await b.search('warm up the connection', { repo, limit: 1 });
  cache['redis shared'] = summarize(await pass(b, (q) => b.search(q, { repo, limit: 10 })));
  cache['redis warm'] = summarize(await pass(b, (q) => b.search(q, { repo, limit: 10 })));
  await a.close();
  await b.close();
}
for (const [k, v] of Object.entries(cache)) console.error(`  postgres + ${k.padEnd(13)} p50 ${v.p50} ms  p95 ${v.p95} ms`);

// Drop the bench schema.
{
  const client = new pg.Client({ connectionString: pgBase });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

const lite = results.sqlite as { index: { ms: number }; searchMs: Sample };
const post = results.postgres as { index: { ms: number }; searchMs: Sample };
const out = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, load: readFileSync('/proc/loadavg', 'utf8').trim() },
  corpus: { repo: 'python stdlib', ...(results.sqlite as { index: object }).index },
  queries: QUERIES.length,
  sqlite: results.sqlite,
  postgres: results.postgres,
  ratio: { index: Math.round((post.index.ms / lite.index.ms) * 100) / 100, searchP50: Math.round((post.searchMs.p50 / lite.searchMs.p50) * 100) / 100 },
  goals: { indexWithin2x: post.index.ms <= 2 * lite.index.ms, searchP50Under30ms: post.searchMs.p50 < 30 },
  parity: { identical, of: 2 * QUERIES.length, differing },
  postgresCache: { redis, searchMs: cache },
};
mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
writeFileSync(join(process.cwd(), 'bench', 'results', 'store.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out, null, 2));
rmSync(work, { recursive: true, force: true });
