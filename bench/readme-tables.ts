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

type Score = { definitions: number; oracleSites: number; predicted: number; precision: number; recall: number };
type Cost = {
  indexMsWithGraph: number;
  indexMsWithoutGraph: number;
  extraTime: number;
  dbMiBWithGraph: number;
  dbMiBWithoutGraph: number;
  extraSpace: number;
} | null;

function graphTable(): string | null {
  const r = load<{
    date: string;
    minConfidence: number;
    oracles: Record<string, string>;
    summary: Record<'dev' | 'report', Record<'typescript' | 'python', Score>>;
    sets: ({ name: string; language: string; split: string; source: string; files: number; cost: Cost } & Score)[];
    large: { files: number; queries: number; refsMs: Stat; callersMs: Stat; cost: Cost } | null;
  }>('graph.json');
  if (!r) return null;
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
  const cost = (c: Cost) =>
    c
      ? `${(c.indexMsWithoutGraph / 1000).toFixed(1)} → ${(c.indexMsWithGraph / 1000).toFixed(1)} s (${pct(c.extraTime)}) | ${c.dbMiBWithoutGraph} → ${c.dbMiBWithGraph} MiB (${pct(c.extraSpace)})`
      : '– | –';
  const lines = [
    `Measured ${r.date.slice(0, 10)}; oracles: ${r.oracles.typescript}; ${r.oracles.python}. Line-level sites of \`refs\` (confidence ≥ ${r.minConfidence}) on sampled function and method definitions, micro-averaged; the definition's own line left out on both sides. Targets (report split): precision ≥ 0.85, recall ≥ 0.80.`,
    '',
    '| split | language | definitions | oracle sites | precision | recall |',
    '|---|---|---|---|---|---|',
    ...(['report', 'dev'] as const).flatMap((split) =>
      (['typescript', 'python'] as const).map((lang) => {
        const x = r.summary[split][lang];
        return `| ${split} | ${lang} | ${x.definitions} | ${x.oracleSites} | ${x.precision.toFixed(3)} | ${x.recall.toFixed(3)} |`;
      }),
    ),
    '',
    '| set | split | source | files | precision | recall | index in process without → with the graph (no history; 3 runs each on a shared machine: noisy, see the whole-process table) | database |',
    '|---|---|---|---|---|---|---|---|',
    ...r.sets.map((x) => `| ${x.name} | ${x.split} | ${x.source} | ${x.files} | ${x.precision.toFixed(3)} | ${x.recall.toFixed(3)} | ${cost(x.cost)} |`),
  ];
  const whole = (
    r as {
      wholeProcessIndex?: {
        note: string;
        runs: { repo: string; files: number; runs: number; wallS: { with: number; without: number }; ratio: { wall: number; cpu: number } }[];
      };
    }
  ).wholeProcessIndex;
  if (whole)
    lines.push(
      '',
      'Full index (`contextd index`, history included) with and without the graph, whole-process medians of alternated runs (target: at most +40%):',
      '',
      '| repository | files | runs | wall without → with | wall | cpu |',
      '|---|---|---|---|---|---|',
      ...whole.runs.map(
        (x) =>
          `| ${x.repo} | ${x.files} | ${x.runs} + ${x.runs} | ${x.wallS.without} → ${x.wallS.with} s | ${pct(x.ratio.wall - 1)} | ${pct(x.ratio.cpu - 1)} |`,
      ),
    );
  if (r.large)
    lines.push(
      '',
      `On ${r.large.files} JavaScript/TypeScript files of installed packages (one repository; ${r.large.queries} random function/method targets, each a cache miss, through the Engine): refs p50 / p95 ${r.large.refsMs.p50} / ${r.large.refsMs.p95} ms, callers ${r.large.callersMs.p50} / ${r.large.callersMs.p95} ms (target p95 < 50 ms); index ${cost(r.large.cost)}.`,
    );
  return lines.join('\n');
}

function locateTable(): string | null {
  type M = { queries: number; r1: number; r5: number; mrr10: number };
  const r = load<{
    date: string;
    sets: {
      name: string;
      split: string;
      language: string;
      indexedAt: string;
      commits: number;
      files: number;
      queries: number;
      training: { source: string; queries: number };
      rows: Record<string, M>;
    }[];
  }>('locate.json');
  if (!r) return null;
  const lat = load<{
    date: string;
    repo: { files: number; commits: number };
    firstCallMs: number;
    latencyMs: { p50: number; p95: number };
    loadAverage?: number;
    cores?: number;
  }>('locate-latency.json');
  const methods = Object.keys(r.sets[0]?.rows ?? {});
  const cell = (m: M) => `${m.r1.toFixed(3)} / ${m.r5.toFixed(3)} / ${m.mrr10.toFixed(3)}`;
  const lines = [
    `Measured ${r.date.slice(0, 10)}. Each cell: R@1 / R@5 / MRR@10. Goal (report sets): learned R@1 ≥ 1.3× and MRR@10 ≥ 1.15× file BM25.`,
    '',
    `| set | ${methods.join(' | ')} | learned ÷ BM25 (R@1, MRR@10) |`,
    `|---|${methods.map(() => '---|').join('')}---|`,
    ...r.sets.map((s) => {
      const b = s.rows['file BM25'];
      const l = s.rows['combined (learned)'];
      const ratio = (x: number, y: number) => (y > 0 ? `${(x / y).toFixed(2)}×` : 'n/a');
      return `| ${s.name} (${s.split}, ${s.language}; at ${s.indexedAt}, ${s.commits} commits, ${s.files} files, ${s.queries} queries; weights ${s.training.source} on ${s.training.queries} replays) | ${methods.map((m) => cell(s.rows[m])).join(' | ')} | ${ratio(l.r1, b.r1)}, ${ratio(l.mrr10, b.mrr10)} |`;
    }),
  ];
  const report = r.sets.filter((s) => s.split === 'report');
  const met = report.filter(
    (s) => s.rows['combined (learned)'].r1 >= 1.3 * s.rows['file BM25'].r1 && s.rows['combined (learned)'].mrr10 >= 1.15 * s.rows['file BM25'].mrr10,
  );
  lines.push(
    '',
    `Goal met on ${met.length} of ${report.length} report sets${met.length ? ` (${met.map((s) => s.name).join(', ')})` : ''}${
      met.length < report.length
        ? `; not on ${report
            .filter((s) => !met.includes(s))
            .map((s) => s.name)
            .join(', ')}`
        : ''
    }.`,
  );
  if (lat) {
    lines.push(
      '',
      `Latency (${lat.date.slice(0, 10)}, ${lat.repo.files} files, ${lat.repo.commits} commits, one process): first call (corpus + training) ${(lat.firstCallMs / 1000).toFixed(1)} s; then p50 ${lat.latencyMs.p50} ms, p95 ${lat.latencyMs.p95} ms (goal p95 < 300 ms)${lat.loadAverage !== undefined ? `, load average ${lat.loadAverage} on ${lat.cores} cores` : ''}; nearly all of it is the one hybrid search a locate makes.`,
    );
  }
  const cli = load<{ date: string; runs: { via: string; wallS: { median: number } }[] }>('locate-cli.json');
  if (cli) {
    lines.push(
      '',
      `Whole \`contextd locate\` command (farm-bench, median wall, ${cli.date.slice(0, 10)}): ${cli.runs.map((x) => `${x.wallS.median.toFixed(2)} s ${x.via}`).join('; ')}.`,
    );
  }
  return lines.join('\n');
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

type ScaleResult = {
  date: string;
  machine: string;
  corpus: string;
  files: number;
  mb: number;
  ctags: { wallMs: number; cpuS: number };
  index: {
    wallMs: number;
    cpuS: number;
    ratioToCtags: number;
    searchableMs: number;
    peakRssMiB: number;
    chunks: number;
    symbols: number;
    dbMiB: number;
    dbToSource: number;
    stages: Record<string, { ms: number; mbPerSec: number | null; chunksPerSec?: number | null }>;
  };
  search: { daemonMs: Stat; daemonCpuMsPerSearch?: number; cliWallMs: Stat; daemonRssMiB: number; vectorsReadyAfterDaemonStartMs: number } | null;
};

const round1 = (n: number) => Math.round(n * 10) / 10;

function scaleTable(): string | null {
  const runs = ['scale.json', 'scale-java.base.json'].map((f) => load<ScaleResult>(f)).filter((r): r is ScaleResult => r !== null);
  if (!runs.length) return null;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const stage = (r: ScaleResult, k: string) => {
    const x = r.index.stages[k];
    return x ? `${s(x.ms)}${x.mbPerSec ? ` (${x.mbPerSec} MB/s)` : ''}` : '';
  };
  return [
    'Goals (issue 20, full JDK): index ≤ 12× `ctags -R` in the same run, peak RSS < 1 GB, database < 2.5× the source, daemon search p95 < 100 ms, CLI `search` < 300 ms.',
    '',
    '| measure | ' + runs.map((r) => `${r.corpus.replace(/^openjdk-17-source /, 'JDK ')}: ${r.files} files, ${r.mb} MB`).join(' | ') + ' |',
    '|---|' + runs.map(() => '---|').join(''),
    `| measured | ${runs.map((r) => `${r.date.slice(0, 16).replace('T', ' ')} (${r.machine.replace(/^.*cores; /, '')})`).join(' | ')} |`,
    `| \`ctags -R\` | ${runs.map((r) => `${s(r.ctags.wallMs)} (${r.ctags.cpuS} s CPU)`).join(' | ')} |`,
    `| \`contextd index\` (defaults) | ${runs.map((r) => `${s(r.index.wallMs)} (${r.index.cpuS} s CPU), **${r.index.ratioToCtags}× ctags**`).join(' | ')} |`,
    `| CPU seconds, contextd / ctags (the machine's load does not move it) | ${runs.map((r) => `${round1(r.index.cpuS / r.ctags.cpuS)}×`).join(' | ')} |`,
    `| lexical + symbols searchable after | ${runs.map((r) => s(r.index.searchableMs)).join(' | ')} |`,
    `| scan | ${runs.map((r) => stage(r, 'scan')).join(' | ')} |`,
    `| read + parse + write (overlapped) | ${runs.map((r) => stage(r, 'parseAndWrite')).join(' | ')} |`,
    `| of which main-thread writes | ${runs.map((r) => stage(r, 'writes')).join(' | ')} |`,
    `| history | ${runs.map((r) => stage(r, 'history')).join(' | ')} |`,
    `| embedding (overlaps history) | ${runs.map((r) => `${stage(r, 'embedding')}, ${r.index.stages.embedding?.chunksPerSec ?? '?'} chunks/s`).join(' | ')} |`,
    `| chunks / symbols | ${runs.map((r) => `${r.index.chunks} / ${r.index.symbols}`).join(' | ')} |`,
    `| peak RSS | ${runs.map((r) => `${r.index.peakRssMiB} MiB`).join(' | ')} |`,
    `| database | ${runs.map((r) => `${r.index.dbMiB} MiB (${r.index.dbToSource}× the source)`).join(' | ')} |`,
    `| daemon search p50 / p95 (one client) | ${runs.map((r) => (r.search ? `${r.search.daemonMs.p50} / ${r.search.daemonMs.p95} ms${r.search.daemonCpuMsPerSearch ? ` (daemon CPU ${r.search.daemonCpuMsPerSearch} ms each)` : ''}` : 'not measured')).join(' | ')} |`,
    `| \`contextd search\` process p50 / p95 (asks the daemon) | ${runs.map((r) => (r.search ? `${r.search.cliWallMs.p50} / ${r.search.cliWallMs.p95} ms` : 'not measured')).join(' | ')} |`,
    `| daemon RSS after the searches | ${runs.map((r) => (r.search ? `${r.search.daemonRssMiB} MiB` : 'not measured')).join(' | ')} |`,
  ].join('\n');
}

type LoadStat = { requests: number; errors: number; latencyMs: Stat; daemonCpuMsPerRequest?: number };
function loadTable(): string | null {
  const r = load<{
    date: string;
    machine: string;
    clients?: { repo: string; mcp: LoadStat; lsp: LoadStat; failed?: string };
    leak?: {
      searches: number;
      errors: number;
      daemonCpuMsPerSearch?: number;
      rssMiB: { before: number; after: number; growthPercent: number };
      failed?: string;
    };
    crash?: { repo?: string; kills: unknown[]; clean: Record<string, number>; afterKills: Record<string, number>; equal: boolean; failed?: string };
    hooks?: { maxQueuePending: number; rssMiB: { start: number; max: number; end: number }; indexEqualsHead: boolean; failed?: string };
    disk?: { skipped?: string; errorShown: string | null; oldIndexSearchable: boolean; recovered: { ok: boolean }; failed?: string };
  }>('load.json');
  if (!r) return null;
  const failed = (x: { failed?: string } | undefined) => (x?.failed ? `failed: ${x.failed.split('\n')[0]}` : null);
  const c = r.clients;
  const on = (x: { repo?: string; at?: string; loadAverage?: number } | undefined) =>
    `${x?.repo ? ` (${x.repo})` : ''}${x?.at ? `, ${x.at.slice(0, 16).replace('T', ' ')} UTC, load average ${x.loadAverage}` : ''}`;
  const rows = [
    `| 50 MCP clients back to back, search_code${on(c)}${c?.note ? `; ${c.note}` : ''} | ${failed(c) ?? (c ? `${c.mcp.requests} calls, p50 ${c.mcp.latencyMs.p50} / p95 ${c.mcp.latencyMs.p95} ms, ${c.mcp.errors} errors${c.mcp.daemonCpuMsPerRequest ? `; daemon CPU ${c.mcp.daemonCpuMsPerRequest} ms per call` : ''}` : 'not run')} |`,
    `| 50 LSP clients back to back, workspace/symbol${on(c)} | ${failed(c) ?? (c ? `${c.lsp.requests} requests, p50 ${c.lsp.latencyMs.p50} / p95 ${c.lsp.latencyMs.p95} ms, ${c.lsp.errors} errors${c.lsp.daemonCpuMsPerRequest ? `; daemon CPU ${c.lsp.daemonCpuMsPerRequest} ms per request` : ''}` : 'not run')} |`,
    `| ${r.leak?.searches ?? 10000} distinct searches, daemon RSS before → after${on(r.leak)} | ${failed(r.leak) ?? (r.leak ? `${r.leak.rssMiB.before} → ${r.leak.rssMiB.after} MiB (${r.leak.rssMiB.growthPercent}%), ${r.leak.errors} errors${r.leak.daemonCpuMsPerSearch ? `; daemon CPU ${r.leak.daemonCpuMsPerSearch} ms per search` : ''}` : 'not run')} |`,
    `| kill -9 during indexing ×${r.crash?.kills?.length ?? 10}, restart each time${on(r.crash)} | ${failed(r.crash) ?? (r.crash ? `${r.crash.equal ? 'equal to a clean index' : '**differs from a clean index**'} (files/chunks/symbols ${r.crash.afterKills.files}/${r.crash.afterKills.chunks}/${r.crash.afterKills.symbols}, clean ${r.crash.clean.files}/${r.crash.clean.chunks}/${r.crash.clean.symbols}; no duplicates)` : 'not run')} |`,
    `| hook storm: 50 checkouts + rebase of 20 commits${on(r.hooks as { at?: string; loadAverage?: number })} | ${failed(r.hooks) ?? (r.hooks ? `queue ≤ ${r.hooks.maxQueuePending} jobs, RSS ${r.hooks.rssMiB.start} → max ${r.hooks.rssMiB.max} MiB; index = HEAD: ${r.hooks.indexEqualsHead ? 'yes' : '**no**'}` : 'not run')} |`,
    `| full disk (40 MiB tmpfs data dir)${on(r.disk as { at?: string; loadAverage?: number })} | ${failed(r.disk) ?? (r.disk?.skipped ? `skipped: ${r.disk.skipped}` : r.disk ? `error: "${r.disk.errorShown ?? 'none shown'}"; old index searchable: ${r.disk.oldIndexSearchable ? 'yes' : 'no'}; recovered: ${r.disk.recovered.ok ? 'yes' : 'no'}` : 'not run')} |`,
  ];
  return [
    'Each row says when it ran and the load average then (sections run on their own with `--only`).',
    '',
    '| scenario | result |',
    '|---|---|',
    ...rows,
  ].join('\n');
}

let readme = readFileSync(join(root, 'README.md'), 'utf8');
for (const [name, table, placeholder] of [
  ['index', indexTable(), 'INDEX_TABLE'],
  ['daemon', daemonTable(), 'DAEMON_TABLE'],
  ['mcp', mcpTable(), 'MCP_TABLE'],
  ['flood', floodTable(), 'FLOOD_TABLE'],
  ['quality', qualityTable(), 'QUALITY_TABLE'],
  ['graph', graphTable(), 'GRAPH_TABLE'],
  ['locate', locateTable(), 'LOCATE_TABLE'],
  ['metrics', metricsTable(), 'METRICS_TABLE'],
  ['scale', scaleTable(), 'SCALE_TABLE'],
  ['load', loadTable(), 'LOAD_TABLE'],
] as const) {
  if (!table) continue;
  const block = `<!-- bench:${name} -->\n${table}\n<!-- /bench:${name} -->`;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  if (re.test(readme)) readme = readme.replace(re, block);
  else readme = readme.replace(placeholder, block);
}
writeFileSync(join(root, 'README.md'), readme);
