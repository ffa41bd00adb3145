/**
 * Issue 18 benchmark: what recording metrics and the search history costs a search.
 * Two engines on the same stdlib index answer the same queries scoped to the repository,
 * as MCP does:
 *
 *   plain      no observer, history off (what a search cost before issue 18)
 *   recorded   the daemon's DaemonMetrics as observer (counters, histogram, recent ring)
 *              and the search history on (buffered, flushed inside the measured time)
 *
 * in two regimes: uncached (`[cache] maxEntries = 0`: every search computed) and cached
 * (warm in-process cache: the fastest searches, where a fixed cost weighs most). Rounds
 * alternate which engine goes first; the overhead is the median of the per-round ratios
 * (paired, so a drifting machine does not move it). Also the recording cost alone, per
 * search (observer + history record + its share of a batched write).
 * Goal: recorded throughput within 2% of plain. Run: node --import tsx bench/metrics-bench.ts
 * (ROUNDS=n to change the rounds). Writes bench/results/metrics.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { DaemonMetrics } from '../daemon/metrics/metrics.js';
import { SearchHistory } from '../daemon/search/search-history.js';
import { SqlSearchLog } from '../daemon/store/search-log.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { sqlitePort } from '../daemon/store/sql-port.js';
import { stdlibRepo } from './corpus.js';
import { round } from './stats.js';

const QUERIES = [
  'urlparse',
  'HTTPConnection',
  'JSONDecoder',
  'ThreadPoolExecutor',
  'namedtuple',
  'SequenceMatcher',
  'parse json config',
  'http request headers',
  'read file lines',
  'socket connect timeout',
  'email message parser',
  'datetime timezone offset',
  'logging handler format',
  'csv reader dialect',
  'where are http response headers parsed',
  'how does the thread pool shut down its workers',
  'retry a failed network connection after a timeout',
  'compute the difference between two sequences of lines',
];
const ROUNDS = Number(process.env.ROUNDS) || 7;

const work = mkdtempSync(join(tmpdir(), 'contextd-metrics-bench-'));
const repo = stdlibRepo();
const baseEnv: NodeJS.ProcessEnv = {
  ...process.env,
  CONTEXTD_DATA_DIR: join(work, 'data'),
  CONTEXTD_CONFIG_DIR: join(work, 'cfg'),
  CONTEXTD_REDIS_URL: '',
  CONTEXTD_QDRANT_URL: '',
};
mkdirSync(join(work, 'cfg'), { recursive: true });

console.error('indexing the stdlib (and embedding it with the built-in model)…');
{
  const indexer = await Engine.open(loadConfig(baseEnv));
  const summary = await indexer.index(repo);
  await indexer.embedPending();
  await indexer.close();
  console.error(`  ${summary.files} files, ${summary.chunks} chunks`);
}

/** One pass over the queries; the recorded engine's buffered history is written inside the measured time. */
async function pass(engine: Engine, recorded: boolean): Promise<number> {
  const t0 = performance.now();
  for (const q of QUERIES) await engine.search(q, { repo, limit: 10, ...(recorded ? { origin: { frontEnd: 'mcp' as const } } : {}) });
  if (recorded) await engine.searches.flush();
  return performance.now() - t0;
}

async function regime(name: string, passesPerRound: number): Promise<Record<string, number>> {
  const plain = await Engine.open(loadConfig({ ...baseEnv, CONTEXTD_SEARCH_HISTORY: '0' }));
  const metrics = new DaemonMetrics();
  const recorded = await Engine.open(loadConfig({ ...baseEnv, CONTEXTD_SEARCH_HISTORY: '1' }), { observer: metrics });
  // Steady state: page cache warm, query cache filled when it is on.
  await pass(plain, false);
  await pass(recorded, true);
  const ratios: number[] = [];
  let plainMs = 0;
  let recordedMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let a = 0;
    let b = 0;
    for (let p = 0; p < passesPerRound; p++) {
      if ((r + p) % 2) {
        a += await pass(plain, false);
        b += await pass(recorded, true);
      } else {
        b += await pass(recorded, true);
        a += await pass(plain, false);
      }
    }
    ratios.push(b / a);
    plainMs += a;
    recordedMs += b;
  }
  ratios.sort((x, y) => x - y);
  const searches = ROUNDS * passesPerRound * QUERIES.length;
  const out = {
    searches,
    plainPerSec: round((searches / plainMs) * 1000, 1),
    recordedPerSec: round((searches / recordedMs) * 1000, 1),
    overheadPct: round((ratios[Math.floor(ratios.length / 2)] - 1) * 100, 2),
    overheadMinPct: round((ratios[0] - 1) * 100, 2),
    overheadMaxPct: round((ratios[ratios.length - 1] - 1) * 100, 2),
  };
  console.error(
    `  ${name.padEnd(9)} plain ${out.plainPerSec}/s  recorded ${out.recordedPerSec}/s  overhead ${out.overheadPct}% (rounds ${out.overheadMinPct}..${out.overheadMaxPct}%)`,
  );
  await plain.close();
  await recorded.close();
  return out;
}

writeFileSync(join(work, 'cfg', 'config.toml'), '[cache]\nmaxEntries = 0\n');
const uncached = await regime('uncached', 1);
rmSync(join(work, 'cfg', 'config.toml'));
const cached = await regime('cached', 20);

// The recording alone: observer + history record (+ batched writes), per search.
const n = 50_000;
const store = new SqliteStore(join(work, 'alone.db'));
const history = new SearchHistory(new SqlSearchLog(sqlitePort(store.raw), 'bench'), { enabled: true, retentionDays: 30 });
const metrics = new DaemonMetrics();
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  metrics.searchStarted();
  metrics.searchEnded({ frontEnd: 'mcp', mode: 'hybrid', outcome: 'hits', seconds: 0.004, hits: 10, cached: false });
  history.record({ at: Date.now(), frontEnd: 'mcp', repo, mode: 'hybrid', query: QUERIES[i % QUERIES.length], hits: 10, latencyMs: 4, outcome: 'hits' });
}
await history.flush();
const perSearchUs = round(((performance.now() - t0) * 1000) / n, 2);
await store.close();
console.error(`  recording alone: ${perSearchUs} µs per search`);

const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'cpu'}`,
  corpus: 'Python stdlib',
  queries: QUERIES.length,
  rounds: ROUNDS,
  goal: 'recorded search throughput within 2% of plain',
  uncached,
  cached,
  recordingAloneUsPerSearch: perSearchUs,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/metrics.json', JSON.stringify(result, null, 2) + '\n');
rmSync(work, { recursive: true, force: true });
console.error('wrote bench/results/metrics.json');
