/**
 * Rewrites the benchmark tables in README.md from bench/results/*.json, between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, so the README always
 * shows the last measured numbers. Run: node --import tsx bench/readme-tables.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Stat = { p50: number; p95: number };
const root = process.cwd();
const load = <T>(name: string): T | null => {
  const f = join(root, 'bench/results', name);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as T) : null;
};

function indexTable(): string | null {
  const r = load<{
    date: string;
    trees: {
      corpus: string;
      files: number;
      mb: number;
      contextd: Record<string, number>;
      ctags: Record<string, number>;
      latencyMs: { search: Stat; symbols: Stat };
    }[];
  }>('index.json');
  if (!r) return null;
  const rows = r.trees.map(
    (t) =>
      `| ${t.corpus} | ${t.files} files, ${t.mb} MB | ${(t.contextd.wallMs / 1000).toFixed(2)} s | ${t.contextd.mbPerSec} MB/s, ${t.contextd.filesPerSec} files/s | ${t.contextd.chunks} / ${t.contextd.symbols} | ${t.contextd.dbMiB} MiB | ${t.contextd.peakRssMiB} MiB | ${(t.contextd.reindexUnchangedMs / 1000).toFixed(2)} s | ${(t.ctags.wallMs / 1000).toFixed(2)} s (${t.ctags.tags} tags) | ${t.latencyMs.search.p50} / ${t.latencyMs.search.p95} ms | ${t.latencyMs.symbols.p50} / ${t.latencyMs.symbols.p95} ms |`,
  );
  return [
    `Measured ${r.date.slice(0, 10)}. Goals: stdlib under 3 s; search p50 < 20 ms; symbols p50 < 5 ms.`,
    '',
    '| tree | size | index (wall) | throughput | chunks / symbols | database | peak RSS | re-run, nothing changed | `ctags -R` | search p50 / p95 | symbols p50 / p95 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function daemonTable(): string | null {
  const r = load<{
    date: string;
    repo: string;
    initialIndexMs: number;
    embeddingDoneMs?: number;
    commitToSearchableMs: { oneFile: Stat; twentyFiles: Stat };
    branchSwitch100FilesMs: Stat;
    branchSwitchReparse: { parsed: number; newChunks: number; reused: number; vectorsAdded?: number };
    rssMiB: { idle: number; peakWhileIndexing: number };
    idleCpuPercent: number;
  }>('daemon.json');
  if (!r) return null;
  return [
    `Measured ${r.date.slice(0, 10)} on ${r.repo}. Goals: 1-file commit searchable p50 < 1 s; 100-file branch switch < 5 s with zero re-embedding; idle CPU < 1%.`,
    '',
    '| measure | result |',
    '|---|---|',
    `| first index after \`contextd add\` (searchable) | ${(r.initialIndexMs / 1000).toFixed(1)} s |`,
    ...(r.embeddingDoneMs
      ? [`| … and background embedding done (training the built-in model on the repository, then vectors) | ${(r.embeddingDoneMs / 1000).toFixed(1)} s |`]
      : []),
    `| commit → searchable, 1 file (p50 / p95 of 20) | ${r.commitToSearchableMs.oneFile.p50} / ${r.commitToSearchableMs.oneFile.p95} ms |`,
    `| commit → searchable, 20 files (p50 / p95 of 20) | ${r.commitToSearchableMs.twentyFiles.p50} / ${r.commitToSearchableMs.twentyFiles.p95} ms |`,
    `| branch switch, 100 files differ (p50 / p95 of 4) | ${r.branchSwitch100FilesMs.p50} / ${r.branchSwitch100FilesMs.p95} ms |`,
    `| switching back and forth: files parsed / new chunks / files reused / vectors computed | ${r.branchSwitchReparse.parsed} / ${r.branchSwitchReparse.newChunks} / ${r.branchSwitchReparse.reused} / ${r.branchSwitchReparse.vectorsAdded ?? 'n/a'} |`,
    `| RSS idle / peak while indexing and training | ${r.rssMiB.idle} / ${r.rssMiB.peakWhileIndexing} MiB |`,
    `| CPU while idle (10 s) | ${r.idleCpuPercent}% |`,
  ].join('\n');
}

function mcpTable(): string | null {
  const r = load<{
    date: string;
    searchCodeMs: { distinctQueries: { oneClient: Stat; twentyClients: Stat }; repeatedQueries: { oneClient: Stat; twentyClients: Stat } };
  }>('mcp.json');
  if (!r?.searchCodeMs?.distinctQueries) return null;
  const d = r.searchCodeMs;
  return [
    `Measured ${r.date.slice(0, 10)}. Goal: p50 < 50 ms, p95 < 150 ms with 20 clients.`,
    '',
    '| `search_code` | 1 client p50 / p95 | 20 concurrent clients p50 / p95 |',
    '|---|---|---|',
    `| distinct queries (cache misses) | ${d.distinctQueries.oneClient.p50} / ${d.distinctQueries.oneClient.p95} ms | ${d.distinctQueries.twentyClients.p50} / ${d.distinctQueries.twentyClients.p95} ms |`,
    `| repeated queries | ${d.repeatedQueries.oneClient.p50} / ${d.repeatedQueries.oneClient.p95} ms | ${d.repeatedQueries.twentyClients.p50} / ${d.repeatedQueries.twentyClients.p95} ms |`,
  ].join('\n');
}

function floodTable(): string | null {
  type Row = { p50: number; p95: number; max: number; n: number; droppedRuns?: string; addedP50Ms?: number };
  const r = load<{ date: string; statusLatencyMs: Record<string, Row> }>('flood.json');
  if (!r) return null;
  const b = r.statusLatencyMs.baseline;
  const rows = ['control.sock', 'mcp.sock', 'lsp.sock'].map((name) => {
    const x = r.statusLatencyMs[name];
    return `| ${name} | ${x.p50} / ${x.p95} / ${x.max} ms | ${x.addedP50Ms} ms | ${x.droppedRuns} |`;
  });
  return [
    `Measured ${r.date.slice(0, 10)}. Goal: an 8 MB flood delays a concurrent \`status\` by under 100 ms and the flooding connection is dropped.`,
    '',
    '| 8 MB of spaces on | `status` during the flood p50 / p95 / max | added to p50 | connection dropped |',
    '|---|---|---|---|',
    `| (no flood) | ${b.p50} / ${b.p95} / ${b.max} ms | — | — |`,
    ...rows,
  ].join('\n');
}

type M = { mrr10: number; recall1: number; recall10: number };
function qualityTable(): string | null {
  const r = load<{
    date: string;
    embedder: string | null;
    fusion: { semantic: number; minSimilarity: number; testFileFactor: number; tunedOn?: string };
    maxQueriesPerSet: number;
    splits: Record<'dev' | 'report', { sets: number } & Record<string, M>>;
    sets: {
      name: string;
      language: string;
      split: string;
      files: number;
      chunks: number;
      queries: number;
      quality: Record<string, M>;
      hybridWithoutTestPreference: M & { testShare: number };
      testShare: Record<string, number>;
      latencyMs: Record<string, Stat>;
    }[];
  }>('quality.json');
  if (!r?.splits) return null;
  const cell = (m: M) => `${m.mrr10.toFixed(3)} / ${m.recall10.toFixed(2)}`;
  const ratio = (a: M, b: M) => (b.mrr10 > 0 ? `${(a.mrr10 / b.mrr10).toFixed(2)}x` : 'n/a');
  const rows = (split: 'dev' | 'report') => [
    ...r.sets
      .filter((s) => s.split === split)
      .map(
        (s) =>
          `| ${split} | ${s.name} | ${s.language} | ${s.queries} | ${s.files} / ${s.chunks} | ${cell(s.quality.bm25)} | ${cell(s.quality.lexical)} | ${cell(s.quality.semantic)} | ${cell(s.quality.hybrid)} | ${ratio(s.quality.hybrid, s.quality.bm25)} | ${s.latencyMs.lexical.p50} / ${s.latencyMs.semantic.p50} / ${s.latencyMs.hybrid.p50} |`,
      ),
    `| **${split}** | **mean of ${r.splits[split].sets} sets** | | | | **${cell(r.splits[split].bm25)}** | **${cell(r.splits[split].lexical)}** | **${cell(r.splits[split].semantic)}** | **${cell(r.splits[split].hybrid)}** | **${ratio(r.splits[split].hybrid, r.splits[split].bm25)}** | |`,
  ];
  const withTests = r.sets.filter((s) => (s.hybridWithoutTestPreference.testShare ?? 0) > 0.05);
  return [
    `Measured ${r.date.slice(0, 10)} with embedder \`${r.embedder ?? 'none'}\` (semantic weight ${r.fusion.semantic}, cosine floor ${r.fusion.minSimilarity}, test-file factor ${r.fusion.testFileFactor}; tuned on the dev split), at most ${r.maxQueriesPerSet} queries per set. Cells: MRR@10 / Recall@10; latency p50 in ms (lexical / semantic / hybrid).`,
    '',
    '| split | set | language | queries | files / chunks | plain BM25 | lexical | semantic | **hybrid** | hybrid / BM25 | p50 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows('dev'),
    ...rows('report'),
    '',
    'Test files on the page (share of top-10 hits in test files; targets are never in test files), hybrid without / with the preference for implementation code, and MRR@10 without / with it:',
    '',
    '| set | test-file share without / with | hybrid MRR@10 without / with |',
    '|---|---|---|',
    ...withTests.map(
      (s) =>
        `| ${s.name} (${s.split}) | ${(s.hybridWithoutTestPreference.testShare * 100).toFixed(0)}% / ${(s.testShare.hybrid * 100).toFixed(0)}% | ${s.hybridWithoutTestPreference.mrr10.toFixed(3)} / ${s.quality.hybrid.mrr10.toFixed(3)} |`,
    ),
  ].join('\n');
}

/** The recording's cost next to what an MCP client waits for a search_code (bench/results/mcp.json, one client). */
function mcpShare(us: number): string[] {
  const m = load<{ searchCodeMs: Record<'distinctQueries' | 'repeatedQueries', { oneClient: Stat }> }>('mcp.json');
  if (!m) return [];
  const share = (ms: number) => `${((us / 1000 / ms) * 100).toFixed(2)}%`;
  const d = m.searchCodeMs.distinctQueries.oneClient.p50;
  const c = m.searchCodeMs.repeatedQueries.oneClient.p50;
  return [
    '',
    `Next to an MCP \`search_code\` as a client waits for it (bench/results/mcp.json, one client, p50): ${share(d)} of a distinct query (${d} ms), ${share(c)} of a repeated, cached one (${c} ms).`,
  ];
}

function metricsTable(): string | null {
  type Regime = {
    pairs: number;
    plainPerSec: number;
    recordedPerSec: number;
    overheadPct: number;
    medianRoundOverheadPct: number;
    pairGeoMeanOverheadPct: number;
  };
  const r = load<{
    date: string;
    rounds: number;
    queries: number;
    uncached: Regime;
    cached: Regime;
    recordingAloneUsPerSearch: number;
    recordingAloneCpuUsPerSearch?: number;
    recordingShareOfSearchPct: { uncached: number; cached: number };
    control?: { uncached: Regime; cached: Regime };
  }>('metrics.json');
  if (!r) return null;
  const row = (name: string, x: Regime, share: number) =>
    `| ${name} | ${x.plainPerSec} | ${x.recordedPerSec} | ${x.overheadPct}% | ${x.medianRoundOverheadPct}% | ${x.pairGeoMeanOverheadPct}% (${x.pairs} pairs) | ${share}% |`;
  return [
    `Measured ${r.date.slice(0, 10)} on the stdlib (${r.queries} queries scoped to the repository, ${r.rounds} rounds). Goal: recording costs under 2% of search throughput.`,
    '',
    '| searches | plain (searches/s) | metrics + history (searches/s) | overhead (all searches) | median round | pairs (geometric mean) | recording cost / plain search |',
    '|---|---|---|---|---|---|---|',
    row('uncached (every search computed)', r.uncached, r.recordingShareOfSearchPct.uncached),
    row('cached (warm in-process cache)', r.cached, r.recordingShareOfSearchPct.cached),
    ...(r.control
      ? [
          row('control: uncached, nothing recorded on either side', r.control.uncached, 0),
          row('control: cached, nothing recorded on either side', r.control.cached, 0),
        ]
      : []),
    '',
    'The control rows run the same comparison with the plain engine on both sides: the spread the machine alone makes.',
    `Recording alone (observer, histogram, recent ring, history row and its share of a batched write): ${r.recordingAloneCpuUsPerSearch ?? r.recordingAloneUsPerSearch} µs of CPU per search (${r.recordingAloneUsPerSearch} µs wall); the last column is that CPU time over a plain search's.`,
    ...mcpShare(r.recordingAloneCpuUsPerSearch ?? r.recordingAloneUsPerSearch),
  ].join('\n');
}

let readme = readFileSync(join(root, 'README.md'), 'utf8');
for (const [name, table, placeholder] of [
  ['index', indexTable(), 'INDEX_TABLE'],
  ['daemon', daemonTable(), 'DAEMON_TABLE'],
  ['mcp', mcpTable(), 'MCP_TABLE'],
  ['flood', floodTable(), 'FLOOD_TABLE'],
  ['quality', qualityTable(), 'QUALITY_TABLE'],
  ['metrics', metricsTable(), 'METRICS_TABLE'],
] as const) {
  if (!table) continue;
  const block = `<!-- bench:${name} -->\n${table}\n<!-- /bench:${name} -->`;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  if (re.test(readme)) readme = readme.replace(re, block);
  else readme = readme.replace(placeholder, block);
}
writeFileSync(join(root, 'README.md'), readme);
