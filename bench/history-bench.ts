/**
 * Issue 3 benchmark: git history enrichment (commit table + blame per file).
 *
 * Corpora: this repository (a clone of its committed HEAD), and a long replayed
 * history: 300 Python stdlib modules + 2,000 commits (bench/history-replay.ts).
 * For each:
 * - lexical index alone (history off, fresh database, OS cache warmed by a first run): time per file;
 * - full history enrichment of the same tree: log walk, blame, total, per file; with git's
 *   commit-graph written by us (the default) and without it (history.commitGraph = false);
 * - from a new commit to updated history: engine.index() after a 1-file and a 20-file commit
 *   (scan + re-parse of the changed files + log + re-blame), with git blame invocations counted
 *   by git itself (GIT_TRACE);
 * - query latency: search with and without the history retriever, history, related, changes.
 * Run: npm run build && node --import tsx bench/history-bench.ts   (writes bench/results/history.json)
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { HISTORY_WEIGHT, HISTORY_WEIGHT_BOOSTED, searchCode } from '../daemon/search/search.js';
import { BENCH_CACHE, selfRepo } from './corpus.js';
import { replayRepo } from './history-replay.js';
import { round, summarize } from './stats.js';

const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', maxBuffer: 1 << 28 });

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function openEngine(dataDir: string, extra: Record<string, string> = {}): Promise<Engine> {
  return Engine.open(loadConfig({ ...process.env, CONTEXTD_DATA_DIR: dataDir, CONTEXTD_CONFIG_DIR: join(dataDir, 'noconfig'), ...extra }));
}

function removeCommitGraph(repo: string): void {
  const info = join(repo, git(repo, ['rev-parse', '--git-path', 'objects/info']).trim());
  rmSync(join(info, 'commit-graph'), { force: true });
  rmSync(join(info, 'commit-graphs'), { recursive: true, force: true });
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Blame invocations git itself recorded while fn ran. */
async function countBlames<T>(fn: () => Promise<T>): Promise<{ value: T; blames: number }> {
  const trace = join(tmpdir(), `contextd-trace-${process.pid}-${Date.now()}.txt`);
  process.env.GIT_TRACE = trace;
  try {
    const value = await fn();
    const n = existsSync(trace)
      ? readFileSync(trace, 'utf8')
          .split('\n')
          .filter((l) => /built-in: git blame /.test(l)).length
      : 0;
    return { value, blames: n };
  } finally {
    delete process.env.GIT_TRACE;
    rmSync(trace, { force: true });
  }
}

async function benchRepo(label: string, repo: string, opts: { queries: string[]; since: string }) {
  const files = git(repo, ['ls-files']).split('\n').filter(Boolean).length;
  const commits = Number(git(repo, ['rev-list', '--count', 'HEAD']).trim());
  const tmp = mkdtempSync(join(tmpdir(), 'contextd-hbench-'));

  // Warm the OS cache (and check the tree indexes), then time the lexical index alone on a fresh database.
  {
    const warm = await openEngine(join(tmp, 'warm'));
    await warm.index(repo, { history: false });
    await warm.close();
  }
  const engine = await openEngine(join(tmp, 'main'));
  const lexical = await time(() => engine.index(repo, { history: false }));
  const indexed = lexical.value.files;

  // Full enrichment with the commit-graph step (the default), from no commit-graph at all.
  removeCommitGraph(repo);
  const full = await time(() => engine.index(repo));
  const h = full.value.history!;

  // The same enrichment without touching the repository's commit-graph.
  removeCommitGraph(repo);
  const noGraphEngine = await openEngine(join(tmp, 'nograph'), { CONTEXTD_COMMIT_GRAPH: 'false' });
  await noGraphEngine.index(repo, { history: false });
  const noGraph = await time(() => noGraphEngine.index(repo));
  await noGraphEngine.close();
  // Leave git's commit-graph in place for what follows, as the default run would.
  await engine.index(repo);

  // Query latency on the enriched index.
  const rand = rng(11);
  const paths = git(repo, ['ls-files', '*.py', '*.ts']).split('\n').filter(Boolean);
  const pick = () => paths[Math.floor(rand() * paths.length)];
  const repoRec = await engine.repoFor(repo);
  const lat = {
    searchNoHistory: [] as number[],
    searchDefault: [] as number[],
    searchHistory: [] as number[],
    history: [] as number[],
    related: [] as number[],
    changes: [] as number[],
  };
  for (const q of opts.queries.slice(0, 3)) await engine.search(q, { repo }); // warm-up
  for (const q of opts.queries) {
    // All three through searchCode with the same scope: the difference is the history retriever.
    lat.searchNoHistory.push((await time(() => searchCode(engine.store, q, { repoIds: [repoRec.id], limit: 10, historyWeight: 0 }))).ms);
    lat.searchDefault.push((await time(() => searchCode(engine.store, q, { repoIds: [repoRec.id], limit: 10, historyWeight: HISTORY_WEIGHT }))).ms);
    lat.searchHistory.push((await time(() => searchCode(engine.store, q, { repoIds: [repoRec.id], limit: 10, historyWeight: HISTORY_WEIGHT_BOOSTED }))).ms);
  }
  for (let i = 0; i < 30; i++) {
    const f = pick();
    lat.history.push((await time(() => engine.history(f, { repo }))).ms);
    lat.related.push((await time(() => engine.related(f, { repo }))).ms);
  }
  for (let i = 0; i < 10; i++) lat.changes.push((await time(() => engine.changes({ repo, since: opts.since }))).ms);

  // From a new commit to updated history.
  const commitAndIndex = async (n: number, round_: number) => {
    const chosen = new Set<string>();
    while (chosen.size < Math.min(n, paths.length)) chosen.add(pick());
    for (const p of chosen) appendFileSync(join(repo, p), `\n# bench edit ${round_}\n`);
    git(repo, ['commit', '-qam', `Bench: edit ${n} file(s), round ${round_}`]);
    const { value, blames } = await countBlames(() => time(() => engine.index(repo)));
    return { totalMs: value.ms, historyMs: value.value.history!.durationMs, blames, derived: value.value.history!.derived, reparsed: value.value.parsed };
  };
  const incremental: Record<
    string,
    { totalMs: ReturnType<typeof summarize>; historyMs: ReturnType<typeof summarize>; blames: number[]; derived: number[]; reparsed: number[] }
  > = {};
  for (const n of [1, 20]) {
    const runs = [];
    for (let r = 0; r < 5; r++) runs.push(await commitAndIndex(n, r));
    incremental[`${n}-file commit`] = {
      totalMs: summarize(runs.map((x) => x.totalMs)),
      historyMs: summarize(runs.map((x) => x.historyMs)),
      blames: runs.map((x) => x.blames),
      derived: runs.map((x) => x.derived),
      reparsed: runs.map((x) => x.reparsed),
    };
  }
  // The blame path: two commits land before the run (e.g. a pull), so each changed file is blamed again.
  const blamePath = [];
  for (let r = 0; r < 3; r++) {
    const chosen = new Set<string>();
    while (chosen.size < Math.min(20, paths.length)) chosen.add(pick());
    const list = [...chosen];
    for (const p of list.slice(0, 10)) appendFileSync(join(repo, p), `\n# bench edit b${r}\n`);
    git(repo, ['commit', '-qam', `Bench: first half, round ${r}`]);
    for (const p of list.slice(10)) appendFileSync(join(repo, p), `\n# bench edit b${r}\n`);
    git(repo, ['commit', '-qam', `Bench: second half, round ${r}`]);
    const { value, blames } = await countBlames(() => time(() => engine.index(repo)));
    blamePath.push({ totalMs: value.ms, historyMs: value.value.history!.durationMs, blames });
  }
  await engine.close();
  rmSync(tmp, { recursive: true, force: true });

  const perFile = (ms: number) => round(ms / indexed, 2);
  return {
    label,
    files: indexed,
    trackedFiles: files,
    commits,
    lexicalIndex: { totalMs: Math.round(lexical.ms), perFileMs: perFile(lexical.ms) },
    enrichment: {
      totalMs: h.durationMs,
      perFileMs: perFile(h.durationMs),
      logMs: h.logMs,
      commitsPerSecond: h.logMs ? Math.round((h.commitsWalked / h.logMs) * 1000) : null,
      blameMs: h.blameMs,
      blamed: h.blamed,
      attributedWithoutBlame: h.attributed,
      commitGraph: h.commitGraph,
      ratioToLexical: round(h.durationMs / lexical.ms, 2),
    },
    enrichmentWithoutCommitGraph: {
      totalMs: noGraph.value.history!.durationMs,
      perFileMs: perFile(noGraph.value.history!.durationMs),
      ratioToLexical: round(noGraph.value.history!.durationMs / lexical.ms, 2),
    },
    newCommitToUpdatedHistory: incremental,
    newCommitBlamePath: {
      totalMs: summarize(blamePath.map((x) => x.totalMs)),
      historyMs: summarize(blamePath.map((x) => x.historyMs)),
      blames: blamePath.map((x) => x.blames),
    },
    queryLatencyMs: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, summarize(v)])),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const self = selfRepo();
  const replayDir = join(BENCH_CACHE, 'history-replay-300x2000');
  // The benchmark commits into its corpora: always start from a fresh replay.
  rmSync(replayDir, { recursive: true, force: true });
  const t0 = performance.now();
  const replay = replayRepo(replayDir, { files: 300, commits: 2000 });
  const replayBuildMs = Math.round(performance.now() - t0);

  const queries = [
    'parse header',
    'retry timeout',
    'fix race',
    'encoding error',
    'read config',
    'cache invalidation',
    'refactor handling',
    'socket close',
    'speed up',
    'lock',
  ];
  const results = [
    await benchRepo('contextd (this repository)', self, { queries, since: '1y' }),
    await benchRepo('stdlib replay: 300 modules, 2,000 commits', replay, { queries, since: '2022-06-01' }),
  ];
  const out = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      loadAvgAtStart: loadavg().map((l) => round(l, 2)),
      node: process.version,
      git: git(self, ['--version']).trim(),
    },
    notes: [
      'lexicalIndex: history off, fresh database, OS file cache warmed by a previous run (parse workers included).',
      'enrichment: log walk + blame of every file, fresh commit table; the commit-graph is removed first, so its writing is included.',
      "newCommitToUpdatedHistory: wall time of engine.index() right after `git commit` (scan, re-parse of the changed files, log, attribution of the changed files); blames counted by GIT_TRACE; derived = files whose blame was carried across the commit's diff instead of re-blamed.",
      'newCommitBlamePath: the same 20-file change split over two commits before one index run, so the diff shortcut does not apply and every changed file is re-blamed.',
      'queryLatencyMs: search* are searchCode() in-process with the same scope (history retriever off / default weight / --history weight); history, related and changes are the Engine calls behind the commands, including resolving the repository (one git rev-parse).',
      'The machine is shared (load average above): numbers are wall-clock under that load.',
    ],
    replay: {
      buildMs: replayBuildMs,
      how: 'bench/history-replay.ts: git fast-import of 300 stdlib modules, then 2,000 commits (1-6 files each, mostly one directory; 9 authors; --no-ff merges every 100 commits; a rename every 150)',
    },
    results,
    durationMs: Date.now() - started,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/history.json', JSON.stringify(out, null, 2) + '\n');
  for (const r of results) {
    console.log(`\n${r.label}: ${r.files} files, ${r.commits} commits`);
    console.log(`  lexical index     ${r.lexicalIndex.totalMs} ms (${r.lexicalIndex.perFileMs} ms/file)`);
    console.log(
      `  enrichment        ${r.enrichment.totalMs} ms (${r.enrichment.perFileMs} ms/file, x${r.enrichment.ratioToLexical} lexical); log ${r.enrichment.logMs} ms, blame ${r.enrichment.blameMs} ms, commit-graph ${r.enrichment.commitGraph}`,
    );
    console.log(`  without graph     ${r.enrichmentWithoutCommitGraph.totalMs} ms (${r.enrichmentWithoutCommitGraph.perFileMs} ms/file)`);
    for (const [k, v] of Object.entries(r.newCommitToUpdatedHistory))
      console.log(
        `  ${k.padEnd(17)} total p50 ${v.totalMs.p50} ms (max ${v.totalMs.max}), history p50 ${v.historyMs.p50} ms; blames ${v.blames.join(',')}; derived ${v.derived.join(',')}`,
      );
    console.log(
      `  2 commits, 20 files (blame path): total p50 ${r.newCommitBlamePath.totalMs.p50} ms, history p50 ${r.newCommitBlamePath.historyMs.p50} ms; blames ${r.newCommitBlamePath.blames.join(',')}`,
    );
    console.log(
      `  query p50 ms      ${Object.entries(r.queryLatencyMs)
        .map(([k, v]) => `${k} ${v.p50}`)
        .join(', ')}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
