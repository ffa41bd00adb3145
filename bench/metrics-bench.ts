/**
 * Issue 18 benchmark: what recording metrics and the search history costs a search.
 * Two engines on the same stdlib index answer the same queries scoped to the repository,
 * as MCP does:
 *
 *   plain      no observer, history off (what a search cost before issue 18)
 *   recorded   the daemon's DaemonMetrics as observer (counters, histogram, recent ring)
 *              and the search history on (buffered, flushed inside the measured time)
 *
 * in two regimes: uncached (`[cache] maxEntries = 0`: every search computed; a pair is one
 * query on each engine) and cached (warm in-process cache: the fastest searches, where a
 * fixed cost weighs most; a pair is the whole query list on each). The two runs of a pair
 * go back to back, in alternating order (a unit goes first on either side in alternate
 * rounds). The overhead is the recorded side's total time over the plain side's (what
 * throughput means), with the median round and the pairs' trimmed geometric mean beside it
 * (a machine shared with other work moves single pairs a lot). The recorded side writes its
 * history inside its timing, in batches of the size the daemon writes at those rates. Also
 * the recording cost alone, per search (observer + history record + its batched write), and
 * that cost as a share of a plain search.
 * Goal: recorded throughput within 2% of plain. Run: node --import tsx bench/metrics-bench.ts
 * (ROUNDS=n to change the rounds). Writes bench/results/metrics.json.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { DaemonMetrics } from '../daemon/metrics/metrics.js';
import { SearchHistory } from '../daemon/search/search-history.js';
import { SqlSearchLog } from '../daemon/store/search-log.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { sqlitePort } from '../daemon/store/sql-port.js';
import { BENCH_CACHE, stdlibRepo } from './corpus.js';
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
const ROUNDS = Number(process.env.ROUNDS) || 10;

// Kept between runs (a second run reconciles the index instead of building it).
const work = join(BENCH_CACHE, 'metrics-bench');
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
// Each side gets a fresh copy of the index (a closed database: the WAL is checkpointed into the
// file): history writes on a shared file would change SQLite's data_version under the other
// engine, and with it every key of its query cache (the daemon is one engine); and two fresh
// copies start alike.
for (const side of ['data-a', 'data-b']) {
  rmSync(join(work, side), { recursive: true, force: true });
  cpSync(join(work, 'data'), join(work, side), { recursive: true });
}

let unflushed = 0;
/** CPU time (µs) of the plain side's searches: the share below is CPU over CPU, which a loaded machine moves far less than wall time. */
let plainCpuUs = 0;
let plainSearches = 0;

/**
 * The unit's searches, timed. The recorded side writes its history inside its timing every
 * `flushEvery` searches: the daemon writes a batch every second or 200 searches, so 10 for
 * computed searches (~10/s here) and 200 for cached ones are what it does at those rates.
 */
async function timed(engine: Engine, recorded: boolean, queries: readonly string[], flushEvery: number): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const q of queries) {
    await engine.search(q, { repo, limit: 10, ...(recorded ? { origin: { frontEnd: 'mcp' as const } } : {}) });
    if (recorded && ++unflushed >= flushEvery) {
      unflushed = 0;
      await engine.searches.flush();
    }
  }
  const ms = performance.now() - t0;
  if (!recorded) {
    const c = process.cpuUsage(c0);
    plainCpuUs += c.user + c.system;
    plainSearches += queries.length;
  }
  return ms;
}

/**
 * Pairs of (plain, recorded) runs of the same unit, back to back, in alternating order; the
 * overhead is the median of the pairs' ratios (a pair sees the same machine state).
 */
/**
 * `control` runs the plain engine on both sides (the same comparison with nothing recorded):
 * what the machine's noise alone makes of the overhead.
 */
async function regime(name: string, units: readonly (readonly string[])[], flushEvery: number, control = false): Promise<Record<string, number>> {
  plainCpuUs = 0;
  plainSearches = 0;
  const plain = await Engine.open(loadConfig({ ...baseEnv, CONTEXTD_DATA_DIR: join(work, 'data-a'), CONTEXTD_SEARCH_HISTORY: '0' }));
  const metrics = new DaemonMetrics();
  const recorded = await Engine.open(
    loadConfig({ ...baseEnv, CONTEXTD_DATA_DIR: join(work, 'data-b'), CONTEXTD_SEARCH_HISTORY: control ? '0' : '1' }),
    control ? {} : { observer: metrics },
  );
  const rec = !control;
  // Both sides start with a non-empty WAL, as the daemon's always is (its index writes): on a
  // pristine copy every page read skips the WAL lookup, and the first history write alone
  // would slow the recorded side's reads (measured ~9% with one row and nothing recorded).
  for (const e of [plain, recorded])
    (e.store as unknown as { raw: { exec(sql: string): void } }).raw.exec(
      "INSERT INTO search_log (id, machine, at, front_end, repo, mode, query, hits, latency_us, outcome) VALUES (1, 'warm-up', 0, 'other', NULL, 'hybrid', '', 0, 0, 'empty') ON CONFLICT (id) DO NOTHING",
    );
  // Steady state: page cache warm, query cache filled when it is on.
  await timed(plain, false, QUERIES, flushEvery);
  await timed(recorded, rec, QUERIES, flushEvery);
  const ratios: number[] = [];
  let plainMs = 0;
  let recordedMs = 0;
  let searches = 0;
  const roundRatios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = { plainMs, recordedMs };
    for (const [i, unit] of units.entries()) {
      let a: number;
      let b: number;
      // Each unit goes first on either side in alternate rounds (a unit's own order effect cancels).
      if ((r + i) % 2) {
        a = await timed(plain, false, unit, flushEvery);
        b = await timed(recorded, rec, unit, flushEvery);
      } else {
        b = await timed(recorded, rec, unit, flushEvery);
        a = await timed(plain, false, unit, flushEvery);
      }
      ratios.push(b / a);
      plainMs += a;
      recordedMs += b;
      searches += unit.length;
    }
    roundRatios.push((recordedMs - before.recordedMs) / (plainMs - before.plainMs));
  }
  roundRatios.sort((x, y) => x - y);
  ratios.sort((x, y) => x - y);
  const q = (p: number) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
  // The geometric mean of the pairs' ratios, the outer 10% on each side left out: which run of a
  // pair goes first alternates, so an order effect (the second run finds caches warm) cancels in
  // log space, where a plain median of a two-humped distribution would not.
  const logs = ratios.map(Math.log);
  const cut = Math.floor(logs.length * 0.1);
  const kept = logs.slice(cut, logs.length - cut);
  const overhead = Math.exp(kept.reduce((a, x) => a + x, 0) / kept.length) - 1;
  const out = {
    pairs: ratios.length,
    searchesPerSide: searches,
    plainPerSec: round((searches / plainMs) * 1000, 1),
    recordedPerSec: round((searches / recordedMs) * 1000, 1),
    // The goal's measure: throughput over every search of the run, and the median round.
    overheadPct: round((recordedMs / plainMs - 1) * 100, 2),
    medianRoundOverheadPct: round((roundRatios[Math.floor(roundRatios.length / 2)] - 1) * 100, 2),
    pairGeoMeanOverheadPct: round(overhead * 100, 2),
    plainMsPerSearch: round(plainMs / searches, 3),
    plainCpuUsPerSearch: round(plainCpuUs / plainSearches, 1),
    overheadP25Pct: round((q(0.25) - 1) * 100, 2),
    overheadP75Pct: round((q(0.75) - 1) * 100, 2),
  };
  console.error(
    `  ${name.padEnd(9)} plain ${out.plainPerSec}/s  recorded ${out.recordedPerSec}/s  overhead ${out.overheadPct}% (median round ${out.medianRoundOverheadPct}%; geometric mean of ${out.pairs} pairs ${out.pairGeoMeanOverheadPct}%, quartiles ${out.overheadP25Pct}..${out.overheadP75Pct}%)`,
  );
  await plain.close();
  await recorded.close();
  return out;
}

writeFileSync(join(work, 'cfg', 'config.toml'), '[cache]\nmaxEntries = 0\n');
const uncachedControl = await regime(
  'uncached, nothing recorded on either side',
  QUERIES.map((q) => [q]),
  10,
  true,
);
const uncached = await regime(
  'uncached',
  QUERIES.map((q) => [q]),
  10,
);
rmSync(join(work, 'cfg', 'config.toml'));
const cachedControl = await regime(
  'cached, nothing recorded on either side',
  Array.from({ length: 20 }, () => QUERIES),
  200,
  true,
);
const cached = await regime(
  'cached',
  Array.from({ length: 20 }, () => QUERIES),
  200,
);

// The recording alone: observer + history record (+ batched writes), per search.
const n = 50_000;
for (const f of ['alone.db', 'alone.db-wal', 'alone.db-shm']) rmSync(join(work, f), { force: true });
const store = new SqliteStore(join(work, 'alone.db'));
const history = new SearchHistory(new SqlSearchLog(sqlitePort(store.raw), 'bench'), { enabled: true, retentionDays: 30 });
const metrics = new DaemonMetrics();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  metrics.searchStarted();
  metrics.searchEnded({ frontEnd: 'mcp', mode: 'hybrid', outcome: 'hits', seconds: 0.004, hits: 10, cached: false });
  history.record({ at: Date.now(), frontEnd: 'mcp', repo, mode: 'hybrid', query: QUERIES[i % QUERIES.length], hits: 10, latencyMs: 4, outcome: 'hits' });
}
await history.flush();
const perSearchUs = round(((performance.now() - t0) * 1000) / n, 2);
const cpuUsed = process.cpuUsage(cpu0);
const perSearchCpuUs = round((cpuUsed.user + cpuUsed.system) / n, 2);
await store.close();
console.error(`  recording alone: ${perSearchUs} µs wall, ${perSearchCpuUs} µs CPU per search`);

// The same cost as a share of a search: the recording's CPU µs over a plain search's CPU µs.
const directPct = {
  uncached: round((perSearchCpuUs / uncached.plainCpuUsPerSearch) * 100, 3),
  cached: round((perSearchCpuUs / cached.plainCpuUsPerSearch) * 100, 3),
};
console.error(`  as a share of a plain search: uncached ${directPct.uncached}%, cached ${directPct.cached}%`);

const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'cpu'}`,
  corpus: 'Python stdlib',
  queries: QUERIES.length,
  rounds: ROUNDS,
  goal: 'recorded search throughput within 2% of plain',
  uncached,
  cached,
  control: { uncached: uncachedControl, cached: cachedControl },
  recordingAloneUsPerSearch: perSearchUs,
  recordingAloneCpuUsPerSearch: perSearchCpuUs,
  recordingShareOfSearchPct: directPct,
};
mkdirSync('bench/results', { recursive: true });
// The whole-command timing is measured with farm-bench (README): kept from the last file.
const previous = existsSync('bench/results/metrics.json')
  ? (JSON.parse(readFileSync('bench/results/metrics.json', 'utf8')) as { cliWholeCommand?: unknown })
  : {};
writeFileSync('bench/results/metrics.json', JSON.stringify({ ...result, cliWholeCommand: previous.cliWholeCommand }, null, 2) + '\n');
console.error('wrote bench/results/metrics.json');
