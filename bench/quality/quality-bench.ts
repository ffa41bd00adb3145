/**
 * Retrieval quality of each search mode on CodeSearchNet-style sets from real
 * projects in Python, JavaScript/TypeScript, Go and Java (sets.json pins them;
 * heldout.json fixes the split), next to a plain BM25 baseline.
 *
 *   npm run build && node --import tsx bench/quality/quality-bench.ts            # every set, writes bench/results/quality.json
 *   node --import tsx bench/quality/quality-bench.ts --tune                       # re-tune the fusion on the dev split, then run every set
 *   options: --split dev|report   --sets a,b   --queries N (per set, default 500)   --no-write
 *
 * ONCE A NEW EMBEDDER LANDS, re-tune and re-run with ONE command:
 *   npm run build && node --import tsx bench/quality/quality-bench.ts --tune && node --import tsx bench/readme-tables.ts
 * --tune measures hybrid on the dev split only (never the report split) for a grid
 * of semantic weights (best mean dev MRR@10 such that no dev set falls more than
 * 0.01 below weight 0) and then test-file factors, writes the best into
 * daemon/search/fusion-weights.ts (keyed by the serving model's family), then
 * runs every set with it. The embedder comes from the normal configuration
 * (CONTEXTD_EMBEDDER / [embed], default: the built-in one), so a new built-in
 * model is picked up with no change here.
 *
 * A set (make-sets.ts): a project's repository with its doc comments stripped;
 * query = the first sentence of a function's doc; target = that function. Each
 * set is indexed alone in a fresh data directory (the whole repository is the
 * candidate pool) and embedded. A hit is right when it is in the function's
 * file and overlaps its lines. Queries: a seeded sample of at most N per set.
 * The tuning grid and choice go to bench/results/quality-tuning.json.
 * Plain BM25 = SQLite FTS5 bm25() over the same chunks' raw text with the
 * standard unicode61 tokenizer (no identifier splitting, no stopwords, no
 * re-ranking), the query's words OR'ed: what an off-the-shelf engine does.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../daemon/config/config.js';
import { Engine } from '../../daemon/engine.js';
import { modelFamily, TUNED } from '../../daemon/search/fusion-weights.js';
import { isTestPath } from '../../daemon/search/test-files.js';
import type { SearchMode } from '../../daemon/search/semantic.js';
import { round, summarize } from '../stats.js';
import { buildSet, loadSpecs, type BuiltSet, type Query } from './make-sets.js';

interface Span {
  path: string;
  startLine: number;
  endLine: number;
}

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const MAX_QUERIES = Number(arg('--queries') ?? 500);
const TUNE = args.includes('--tune');
const SPLIT = arg('--split');
const ONLY = arg('--sets')?.split(',');
const WRITE = !args.includes('--no-write');

/** Deterministic sample (mulberry32, seed 14), in the set's order. */
function sample(all: Query[], n: number): Query[] {
  if (all.length <= n) return all;
  let a = 14;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const idx = all.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx
    .slice(0, n)
    .sort((x, y) => x - y)
    .map((i) => all[i]);
}

function rankOf(q: Query, hits: Span[]): number | null {
  const i = hits.findIndex((h) => h.path === q.path && h.startLine <= q.endLine && h.endLine >= q.startLine);
  return i < 0 ? null : i;
}

export interface Metrics {
  mrr10: number;
  recall1: number;
  recall10: number;
}
function metrics(ranks: (number | null)[]): Metrics {
  let mrr = 0;
  let r1 = 0;
  let r10 = 0;
  for (const r of ranks) {
    if (r === null || r >= 10) continue;
    mrr += 1 / (r + 1);
    r10++;
    if (r === 0) r1++;
  }
  const n = ranks.length || 1;
  return { mrr10: round(mrr / n, 4), recall1: round(r1 / n, 4), recall10: round(r10 / n, 4) };
}

/** Plain BM25 over the same chunks: raw text, unicode61 tokens, query words OR'ed. */
function plainBm25(dbPath: string, queries: Query[]): { ranks: (number | null)[]; testShare: number } {
  const src = new Database(dbPath, { readonly: true });
  const rows = src
    .prepare(
      'SELECT f.path, pc.start_line AS startLine, pc.end_line AS endLine, c.text FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id JOIN chunks c ON c.hash = pc.chunk_hash',
    )
    .all() as (Span & { text: string })[];
  src.close();
  const mem = new Database(':memory:');
  mem.exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61')");
  const ins = mem.prepare('INSERT INTO t (rowid, body) VALUES (?, ?)');
  mem.transaction(() => rows.forEach((r, i) => ins.run(i + 1, r.text)))();
  const st = mem.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10');
  let hits = 0;
  let tests = 0;
  const ranks = queries.map((q) => {
    const words = [...new Set(q.query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])];
    if (!words.length) return null;
    const found = (st.all(words.map((w) => `"${w}"`).join(' OR ')) as { rowid: number }[]).map((r) => rows[r.rowid - 1]);
    hits += found.length;
    tests += found.filter((h) => isTestPath(h.path)).length;
    return rankOf(q, found);
  });
  mem.close();
  return { ranks, testShare: round(tests / (hits || 1), 3) };
}

interface Opened {
  set: BuiltSet;
  queries: Query[];
  engine: Engine;
  dataDir: string;
  summary: { files: number; chunks: number };
  indexMs: number;
  embed: { model: string | null; chunks: number; ms: number };
}

async function open(set: BuiltSet): Promise<Opened> {
  const dataDir = mkdtempSync(join(tmpdir(), 'contextd-quality-'));
  // The normal configuration (embedder from CONTEXTD_EMBEDDER or the defaults), in a data dir of its own.
  // (CONTEXTD_EMBEDDER, CONTEXTD_EMBED_MODEL, CONTEXTD_OLLAMA_HOST pass through; the store is always a fresh SQLite file).
  const env: NodeJS.ProcessEnv = { ...process.env, CONTEXTD_DATA_DIR: dataDir, CONTEXTD_CONFIG_DIR: join(dataDir, 'noconfig') };
  delete env.CONTEXTD_DATABASE_URL;
  const engine = await Engine.open(loadConfig(env));
  const t0 = performance.now();
  const summary = await engine.index(set.repo);
  const indexMs = performance.now() - t0;
  const t1 = performance.now();
  const embed = await engine.embedPending();
  const embedMs = performance.now() - t1;
  return {
    set,
    queries: sample(set.queries, MAX_QUERIES),
    engine,
    dataDir,
    summary: { files: summary.files, chunks: summary.chunks },
    indexMs: Math.round(indexMs),
    embed: { model: embed.model ?? (await engine.embeddingProgress()).servingModel, chunks: embed.added, ms: Math.round(embedMs) },
  };
}

async function close(o: Opened): Promise<void> {
  await o.engine.close();
  rmSync(o.dataDir, { recursive: true, force: true });
}

async function runMode(o: Opened, mode: SearchMode, extra: { semanticWeight?: number; testFileFactor?: number } = {}) {
  const ranks: (number | null)[] = [];
  const latency: number[] = [];
  let hits = 0;
  let tests = 0;
  for (const q of o.queries) {
    const s = performance.now();
    const found = await o.engine.search(q.query, { mode, limit: 10, ...extra });
    latency.push(performance.now() - s);
    ranks.push(rankOf(q, found));
    hits += found.length;
    tests += found.filter((h) => isTestPath(h.path)).length;
  }
  return { ranks, latency, testShare: round(tests / (hits || 1), 3) };
}

const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / (xs.length || 1), 4);

/** Grid search on the dev split: semantic weight, then the test-file factor at that weight. */
async function tune(dev: BuiltSet[]) {
  const opened: Opened[] = [];
  for (const s of dev) {
    console.error(`tune: indexing ${s.spec.name}`);
    opened.push(await open(s));
  }
  const model = opened[0]?.embed.model ?? null;
  const score = async (extra: { semanticWeight?: number; testFileFactor?: number }) => {
    const per: number[] = [];
    for (const o of opened) per.push(metrics((await runMode(o, 'hybrid', extra)).ranks).mrr10);
    return { mean: mean(per), per };
  };
  const weights = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
  const grid: { semanticWeight: number; testFileFactor: number; mrr10: number; perSet: number[]; allowed?: boolean }[] = [];
  // Objective: the mean dev MRR@10, under one constraint: hybrid may not fall more than
  // TOLERANCE below weight 0 (words only) on any dev set; a weak model then stays near 0,
  // a strong one (better on every set) takes the weight it earns.
  const TOLERANCE = 0.01;
  let base: number[] | null = null;
  let best = { semanticWeight: 0, testFileFactor: TUNED.testFileFactor, mrr10: -1 };
  for (const w of weights) {
    const r = await score({ semanticWeight: w, testFileFactor: TUNED.testFileFactor });
    base ??= r.per;
    const allowed = r.per.every((m, i) => m >= base![i] - TOLERANCE);
    grid.push({ semanticWeight: w, testFileFactor: TUNED.testFileFactor, mrr10: r.mean, perSet: r.per, allowed });
    console.error(`tune: semantic ${w} test-factor ${TUNED.testFileFactor}: dev MRR@10 ${r.mean}${allowed ? '' : ' (a dev set falls below words only)'}`);
    if (allowed && r.mean > best.mrr10) best = { semanticWeight: w, testFileFactor: TUNED.testFileFactor, mrr10: r.mean };
  }
  for (const f of [1, 0.8, 0.6, 0.4, 0.2]) {
    if (f === TUNED.testFileFactor) continue;
    const r = await score({ semanticWeight: best.semanticWeight, testFileFactor: f });
    grid.push({ semanticWeight: best.semanticWeight, testFileFactor: f, mrr10: r.mean, perSet: r.per });
    console.error(`tune: semantic ${best.semanticWeight} test-factor ${f}: dev MRR@10 ${r.mean}`);
    if (r.mean > best.mrr10) best = { ...best, testFileFactor: f, mrr10: r.mean };
  }
  for (const o of opened) await close(o);
  if (model)
    writeTuned(
      modelFamily(model),
      best.semanticWeight,
      best.testFileFactor,
      dev.map((s) => s.spec.name),
    );
  return { model, sets: dev.map((s) => s.spec.name), best, grid };
}

/** Rewrites the generated block of daemon/search/fusion-weights.ts. */
function writeTuned(family: string, semantic: number, testFileFactor: number, sets: string[]): void {
  const file = join(process.cwd(), 'daemon/search/fusion-weights.ts');
  const src = readFileSync(file, 'utf8');
  const models = { ...TUNED.models };
  models[family] = {
    semantic,
    minSimilarity: models[family]?.minSimilarity ?? TUNED.fallback.minSimilarity,
    tunedOn: `bench/quality dev split: ${sets.join(', ')}`,
    date: new Date().toISOString().slice(0, 10),
  };
  const entries = Object.entries(models)
    .map(
      ([k, v]) =>
        `    ${JSON.stringify(k)}: { semantic: ${v.semantic}, minSimilarity: ${v.minSimilarity}, tunedOn: ${JSON.stringify(v.tunedOn)}, date: ${JSON.stringify(v.date)} },`,
    )
    .join('\n');
  const block = `// BEGIN TUNED (generated)
export const TUNED: TunedFusion = {
  models: {
${entries}
  },
  fallback: { semantic: ${TUNED.fallback.semantic}, minSimilarity: ${TUNED.fallback.minSimilarity} },
  testFileFactor: ${testFileFactor},
};
// END TUNED`;
  writeFileSync(file, src.replace(/\/\/ BEGIN TUNED \(generated\)[\s\S]*?\/\/ END TUNED/, block));
  // This process already loaded the old table: later searches here get the tuned values explicitly.
  TUNED.models[family] = models[family];
  TUNED.testFileFactor = testFileFactor;
}

async function measure(set: BuiltSet) {
  const o = await open(set);
  const modes: SearchMode[] = ['lexical', 'semantic', 'hybrid'];
  const quality: Record<string, Metrics> = {};
  const latency: Record<string, ReturnType<typeof summarize>> = {};
  const testShare: Record<string, number> = {};
  for (const mode of modes) {
    const r = await runMode(o, mode);
    quality[mode] = metrics(r.ranks);
    latency[mode] = summarize(r.latency);
    testShare[mode] = r.testShare;
  }
  // The test-file preference's effect: hybrid without it.
  const noPref = await runMode(o, 'hybrid', { testFileFactor: 1 });
  const bm = plainBm25(join(o.dataDir, 'index.db'), o.queries);
  quality.bm25 = metrics(bm.ranks);
  testShare.bm25 = bm.testShare;
  await close(o);
  const result = {
    name: set.spec.name,
    language: set.spec.language,
    split: set.spec.split,
    files: o.summary.files,
    chunks: o.summary.chunks,
    queriesAvailable: set.queries.length,
    queries: o.queries.length,
    indexMs: o.indexMs,
    embedding: o.embed,
    quality,
    hybridWithoutTestPreference: { ...metrics(noPref.ranks), testShare: noPref.testShare },
    // Share of the top-10 hits in test files (targets never are: make-sets keeps no test code as a target).
    testShare,
    latencyMs: latency,
  };
  console.error(
    `${set.spec.split} ${set.spec.name}: bm25 ${quality.bm25.mrr10} lexical ${quality.lexical.mrr10} semantic ${quality.semantic.mrr10} hybrid ${quality.hybrid.mrr10} (${o.queries.length} q, ${o.summary.chunks} chunks)`,
  );
  return result;
}

type SetResult = Awaited<ReturnType<typeof measure>>;

function averages(rs: SetResult[]) {
  const out: Record<string, Metrics> = {};
  for (const m of ['bm25', 'lexical', 'semantic', 'hybrid']) {
    out[m] = {
      mrr10: mean(rs.map((r) => r.quality[m].mrr10)),
      recall1: mean(rs.map((r) => r.quality[m].recall1)),
      recall10: mean(rs.map((r) => r.quality[m].recall10)),
    };
  }
  return { sets: rs.length, ...out };
}

const specs = loadSpecs().filter((s) => (!SPLIT || s.split === SPLIT) && (!ONLY || ONLY.includes(s.name)));
const built: BuiltSet[] = [];
for (const spec of specs) built.push(await buildSet(spec));
// The last tuning (grid and choice) lives in its own file: a run without --tune keeps it.
const tuningFile = join(process.cwd(), 'bench/results/quality-tuning.json');
const tuning = TUNE ? await tune(built.filter((s) => s.spec.split === 'dev')) : existsSync(tuningFile) ? JSON.parse(readFileSync(tuningFile, 'utf8')) : null;
if (TUNE && WRITE) {
  mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
  writeFileSync(tuningFile, JSON.stringify({ date: new Date().toISOString(), ...tuning }, null, 2) + '\n');
}
const sets: SetResult[] = [];
for (const s of built) sets.push(await measure(s));
const model = sets.find((s) => s.embedding.model)?.embedding.model ?? null;
const results = {
  date: new Date().toISOString(),
  machine: `${process.platform} ${process.arch}, node ${process.version}, ${availableParallelism()} cores`,
  embedder: model,
  fusion: { ...(model ? (TUNED.models[modelFamily(model)] ?? TUNED.fallback) : TUNED.fallback), testFileFactor: TUNED.testFileFactor },
  maxQueriesPerSet: MAX_QUERIES,
  tuning,
  splits: { dev: averages(sets.filter((s) => s.split === 'dev')), report: averages(sets.filter((s) => s.split === 'report')) },
  sets,
};
if (WRITE) {
  mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench/results/quality.json'), JSON.stringify(results, null, 2) + '\n');
}
console.log(JSON.stringify(results.splits, null, 2));
