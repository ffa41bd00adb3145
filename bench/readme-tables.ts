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

let readme = readFileSync(join(root, 'README.md'), 'utf8');
for (const [name, table, placeholder] of [
  ['index', indexTable(), 'INDEX_TABLE'],
  ['daemon', daemonTable(), 'DAEMON_TABLE'],
  ['mcp', mcpTable(), 'MCP_TABLE'],
  ['flood', floodTable(), 'FLOOD_TABLE'],
  ['quality', qualityTable(), 'QUALITY_TABLE'],
  ['locate', locateTable(), 'LOCATE_TABLE'],
] as const) {
  if (!table) continue;
  const block = `<!-- bench:${name} -->\n${table}\n<!-- /bench:${name} -->`;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  if (re.test(readme)) readme = readme.replace(re, block);
  else readme = readme.replace(placeholder, block);
}
writeFileSync(join(root, 'README.md'), readme);
