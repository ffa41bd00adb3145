/**
 * Issue 5 benchmark: retrieval quality of each search mode on a
 * CodeSearchNet-style set built from the Python standard library, next to a
 * plain BM25 baseline, plus embedding cost and semantic latency at 100k chunks.
 *
 *   npm run build && node --import tsx bench/quality/quality-bench.ts [--queries N] [--skip-100k]
 *
 * The set (make_dataset.py): functions with a docstring; query = the docstring's
 * first sentence; every docstring is stripped from the indexed copy. A hit is
 * right when it is in the function's file and overlaps its lines.
 * Plain BM25 = SQLite FTS5 bm25() over the same chunks' raw text with the
 * standard unicode61 tokenizer (no identifier splitting, no stopwords, no
 * re-ranking), the query's words OR'ed: what an off-the-shelf engine does.
 * Writes bench/results/quality.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../daemon/config/config.js';
import { Engine } from '../../daemon/engine.js';
import { chunkHash } from '../../daemon/index/keys.js';
import { CHUNKER_VERSION } from '../../daemon/lang/languages.js';
import type { SearchMode } from '../../daemon/search/semantic.js';
import { SqliteStore } from '../../daemon/store/sqlite-store.js';
import { BENCH_CACHE, git, stdlibPath } from '../corpus.js';
import { round, summarize } from '../stats.js';

interface Query {
  query: string;
  path: string;
  symbol: string;
  startLine: number;
  endLine: number;
}
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
const MAX_QUERIES = Number(arg('--queries') ?? 1000);
const SKIP_100K = args.includes('--skip-100k');

function dataset(): { repo: string; queries: Query[] } {
  const dir = join(BENCH_CACHE, 'quality');
  const repo = join(dir, 'repo');
  const qfile = join(dir, 'queries.json');
  if (!existsSync(join(repo, '.git')) || !existsSync(qfile)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('python3', [join(import.meta.dirname, 'make_dataset.py'), stdlibPath(), repo, qfile], { stdio: 'inherit' });
    git(repo, ['init', '-q', '-b', 'main']);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'python stdlib, docstrings stripped']);
  }
  const all = JSON.parse(readFileSync(qfile, 'utf8')) as Query[];
  // An evenly spread, deterministic subset.
  const step = Math.max(1, all.length / MAX_QUERIES);
  const queries: Query[] = [];
  for (let i = 0; i < all.length && queries.length < MAX_QUERIES; i += step) queries.push(all[Math.floor(i)]);
  return { repo, queries };
}

function rankOf(q: Query, hits: Span[]): number | null {
  const i = hits.findIndex((h) => h.path === q.path && h.startLine <= q.endLine && h.endLine >= q.startLine);
  return i < 0 ? null : i;
}

function metrics(ranks: (number | null)[]) {
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
function plainBm25(dbPath: string, queries: Query[]): (number | null)[] {
  const src = new Database(dbPath, { readonly: true });
  const rows = src
    .prepare('SELECT f.path, pc.start_line AS startLine, pc.end_line AS endLine, c.text FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id JOIN chunks c ON c.hash = pc.chunk_hash')
    .all() as (Span & { text: string })[];
  src.close();
  const mem = new Database(':memory:');
  mem.exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61')");
  const ins = mem.prepare('INSERT INTO t (rowid, body) VALUES (?, ?)');
  mem.transaction(() => rows.forEach((r, i) => ins.run(i + 1, r.text)))();
  const st = mem.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10');
  const ranks = queries.map((q) => {
    const words = [...new Set(q.query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])];
    if (!words.length) return null;
    const ids = st.all(words.map((w) => `"${w}"`).join(' OR ')) as { rowid: number }[];
    return rankOf(
      q,
      ids.map((r) => rows[r.rowid - 1]),
    );
  });
  mem.close();
  return ranks;
}

async function qualityRun() {
  const { repo, queries } = dataset();
  const dataDir = mkdtempSync(join(tmpdir(), 'contextd-quality-'));
  const env = { ...process.env, CONTEXTD_DATA_DIR: dataDir, CONTEXTD_CONFIG_DIR: join(dataDir, 'noconfig'), CONTEXTD_EMBEDDER: 'builtin' };
  const engine = await Engine.open(loadConfig(env));
  const t0 = performance.now();
  const summary = await engine.index(repo);
  const indexMs = performance.now() - t0;
  const rssBefore = process.resourceUsage().maxRSS;
  const t1 = performance.now();
  const embed = await engine.embedPending();
  const embedMs = performance.now() - t1;
  const progress = await engine.embeddingProgress();
  const peakRssMiB = round(process.resourceUsage().maxRSS / 1024, 1);

  const modes: SearchMode[] = ['lexical', 'semantic', 'hybrid', 'symbol'];
  const ranks: Record<string, (number | null)[]> = {};
  const latency: Record<string, number[]> = {};
  for (const mode of modes) {
    ranks[mode] = [];
    latency[mode] = [];
    for (const q of queries) {
      const s = performance.now();
      const hits = await engine.search(q.query, { mode, limit: 10 });
      latency[mode].push(performance.now() - s);
      ranks[mode].push(rankOf(q, hits));
    }
  }
  await engine.close();
  ranks.bm25 = plainBm25(join(dataDir, 'index.db'), queries);
  rmSync(dataDir, { recursive: true, force: true });

  const byMode = Object.fromEntries(Object.entries(ranks).map(([m, r]) => [m, metrics(r)]));
  return {
    corpus: { files: summary.files, chunks: summary.chunks, queries: queries.length },
    indexMs: Math.round(indexMs),
    embedding: {
      model: embed.model,
      trained: embed.trained,
      chunks: embed.added,
      totalMs: Math.round(embedMs),
      chunksPerSec: Math.round(embed.added / (embedMs / 1000)),
      embedOnlyChunksPerSec: progress.rate,
      rssBeforeMiB: round(rssBefore / 1024, 1),
      peakRssMiB,
    },
    quality: byMode,
    hybridOverBm25: round(byMode.hybrid.mrr10 / byMode.bm25.mrr10, 2),
    latencyMs: Object.fromEntries(Object.entries(latency).map(([m, l]) => [m, summarize(l)])),
  };
}

/**
 * Semantic latency at 100k+ chunks: the stdlib set indexed once, then six more
 * "copies" of its chunks written as other repositories with one line added to
 * each chunk (so every chunk is new content), all embedded, then semantic
 * queries through the engine (HNSW index above the threshold).
 */
async function latencyAt100k(target = 100_000) {
  const { repo, queries } = dataset();
  const dataDir = mkdtempSync(join(tmpdir(), 'contextd-quality-100k-'));
  const env = { ...process.env, CONTEXTD_DATA_DIR: dataDir, CONTEXTD_CONFIG_DIR: join(dataDir, 'noconfig'), CONTEXTD_EMBEDDER: 'builtin' };
  let engine = await Engine.open(loadConfig(env));
  const base = await engine.index(repo);
  await engine.close();
  // Copies, written straight into the store (the parse is known: same chunks, one line more).
  const store = new SqliteStore(join(dataDir, 'index.db'));
  const baseRepo = (await store.getRepo(base.root))!;
  const files = [...(await store.listFiles(baseRepo.id)).values()].filter((f) => f.status === 'indexed');
  const perFile = new Map<string, Awaited<ReturnType<typeof store.fileChunks>>>();
  for (const f of files) perFile.set(f.path, await store.fileChunks(baseRepo.id, f.path));
  let chunks = base.chunks;
  for (let copy = 1; chunks < target; copy++) {
    const r = await store.ensureRepo(`/bench/copy-${copy}`, `copy-${copy}`);
    const writes = files.map((f) => {
      const cs = perFile.get(f.path)!.map((c) => ({ ...c, text: `${c.text}\n# copy ${copy}` }));
      return {
        path: f.path,
        blob: `${f.blob}-${copy}`,
        contentKey: `${f.contentKey}-${copy}`,
        size: f.size,
        language: f.language,
        encoding: 'utf-8',
        content: {
          kind: 'parsed' as const,
          parsed: {
            language: f.language ?? 'python',
            fallback: false,
            symbols: [],
            chunks: cs.map((c) => ({ startLine: c.startLine, endLine: c.endLine + 1, text: c.text, symbol: c.symbol, kind: c.kind })),
          },
          chunkHashes: cs.map((c) => chunkHash(f.language ?? 'python', CHUNKER_VERSION, c.text)),
        },
      };
    });
    for (let i = 0; i < writes.length; i += 200) await store.writeFiles(r.id, writes.slice(i, i + 200));
    chunks += cs(perFile);
  }
  await store.close();
  engine = await Engine.open(loadConfig(env));
  const t0 = performance.now();
  const run = await engine.embedPending();
  const embedMs = performance.now() - t0;
  // Warm-up loads (or builds) the vector index.
  const tb = performance.now();
  await engine.search('warm up', { mode: 'semantic', limit: 10 });
  const buildMs = performance.now() - tb;
  const lat: number[] = [];
  const hybrid: number[] = [];
  for (const q of queries.slice(0, 200)) {
    let s = performance.now();
    await engine.search(q.query, { mode: 'semantic', limit: 10 });
    lat.push(performance.now() - s);
    s = performance.now();
    await engine.search(q.query, { mode: 'hybrid', limit: 10 });
    hybrid.push(performance.now() - s);
  }
  const scoped: number[] = [];
  for (const q of queries.slice(0, 100)) {
    const s = performance.now();
    await engine.search(q.query, { mode: 'semantic', limit: 10, repo });
    scoped.push(performance.now() - s);
  }
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    chunks: run.total,
    embedMs: Math.round(embedMs),
    embedChunksPerSec: Math.round(run.added / (embedMs / 1000)),
    indexBuildOrLoadMs: Math.round(buildMs),
    semanticMs: summarize(lat),
    semanticOneRepoMs: summarize(scoped),
    hybridMs: summarize(hybrid),
  };
}

function cs(perFile: Map<string, unknown[]>): number {
  let n = 0;
  for (const v of perFile.values()) n += v.length;
  return n;
}

const results = {
  date: new Date().toISOString(),
  machine: `${process.platform} ${process.arch}, node ${process.version}, ${(await import('node:os')).availableParallelism()} cores`,
  quality: await qualityRun(),
  at100k: SKIP_100K ? null : await latencyAt100k(),
};
mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
writeFileSync(join(process.cwd(), 'bench/results/quality.json'), JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
