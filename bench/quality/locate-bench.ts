/**
 * Change localization on real release histories (locate-sets.json, built by
 * make-locate-sets.ts): each set's repository is indexed at an old version, the per-repo
 * weights are learned from the history up to it (leave-future-out), and the changelog
 * entries of later versions are the queries, their changed source files the targets.
 * Reports R@1, R@5, MRR@10 for plain file-level BM25 (k1 1.2, b 0.75, file text only),
 * each signal alone, the combination with the default weights and with the learned ones.
 *
 *   nice -n 10 node --import tsx bench/quality/locate-bench.ts [--only NAME,NAME] [--tune]
 *
 * --tune: grid over the file-lexical settings (b, path weight) and the default weights on
 * the dev split only; prints the best, to be copied into signals.ts / model.ts by hand.
 * Writes bench/results/locate.json (not with --tune).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/config/config.js';
import { Engine } from '../../daemon/engine.js';
import { Bm25Index } from '../../daemon/locate/bm25.js';
import { buildCorpus, type LocateCorpus } from '../../daemon/locate/corpus.js';
import { combine, DEFAULT_WEIGHTS, parseModel, rankMetrics, type LocateWeights, type Metrics } from '../../daemon/locate/model.js';
import { querySignals, SIGNAL_SETTINGS, SIGNALS, type ChunkSearch, type QueryFeatures, type SignalSettings } from '../../daemon/locate/signals.js';
import { tokens } from '../../daemon/locate/text.js';
import { BENCH_CACHE } from '../corpus.js';
import { buildLocateSet, loadLocateSpecs, type BuiltLocateSet } from './make-locate-sets.js';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const tune = args.includes('--tune');

interface Acc {
  r1: number;
  r5: number;
  mrr: number;
  n: number;
}
const acc = (): Acc => ({ r1: 0, r5: 0, mrr: 0, n: 0 });
function add(a: Acc, ranked: number[], targets: Set<number>): void {
  const m = rankMetrics(ranked, targets);
  a.r1 += m.r1;
  a.r5 += m.r5;
  a.mrr += m.rr10;
  a.n++;
}
const done = (a: Acc): Metrics => ({
  queries: a.n,
  r1: round(a.r1 / Math.max(1, a.n)),
  r5: round(a.r5 / Math.max(1, a.n)),
  mrr10: round(a.mrr / Math.max(1, a.n)),
});
const round = (x: number) => Math.round(x * 1000) / 1000;

async function openSet(set: BuiltLocateSet): Promise<{ engine: Engine; corpus: LocateCorpus; chunkSearch: ChunkSearch; root: string; texts: string[][] }> {
  const dir = join(BENCH_CACHE, 'locate-index', set.spec.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const engine = await Engine.open(loadConfig({ ...process.env, CONTEXTD_DATA_DIR: join(dir, 'data'), CONTEXTD_CONFIG_DIR: join(dir, 'config') }));
  await engine.index(set.repo);
  await engine.embedPending();
  const repo = await engine.repoFor(set.repo);
  // The bench reads the store directly (bench/ may): the same reads Engine.locate makes.
  const texts = await engine.store.locateFileTexts(repo.id);
  const corpus = buildCorpus(texts, await engine.store.locateCommits(repo.id), repo.indexedCommit);
  const chunkSearch: ChunkSearch = async (d, limit) =>
    (await engine.search(d, { repo: repo.root, limit, historyWeight: 0, testFileFactor: 1 })).map((h) => ({
      path: h.path,
      startLine: h.startLine,
      endLine: h.endLine,
      symbol: h.symbol,
      score: h.score,
    }));
  return { engine, corpus, chunkSearch, root: repo.root, texts: texts.map((t) => tokens(t.text)) };
}

interface SetResult {
  name: string;
  split: string;
  language: string;
  indexedAt: string;
  commits: number;
  files: number;
  queries: number;
  training: unknown;
  learned: LocateWeights;
  rows: Record<string, Metrics>;
}

async function runSet(set: BuiltLocateSet): Promise<SetResult> {
  const { engine, corpus, chunkSearch, root, texts } = await openSet(set);
  try {
    const baseline = Bm25Index.build(texts);
    const rows: Record<string, Acc> = {
      'file BM25': acc(),
      ...Object.fromEntries(SIGNALS.map((s) => [s, acc()])),
      'combined (defaults)': acc(),
      'combined (learned)': acc(),
    };
    // The first call trains (history up to the indexed commit only) and stores the weights.
    await engine.locate(set.queries[0]?.query ?? 'x', { repo: root, limit: 10 });
    const repo = await engine.repoFor(root);
    const stored = await engine.store.getLocateModel(repo.id);
    const model = parseModel(stored!.model)!;
    for (const q of set.queries) {
      const targets = new Set(q.targets.map((p) => corpus.fileIndex.get(p)).filter((f): f is number => f !== undefined));
      const base = [...baseline.score(tokens(q.query), { k1: 1.2, b: 0.75, fieldWeight: 0 })].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([f]) => f);
      add(rows['file BM25'], base, targets);
      const f = await querySignals(corpus, q.query, corpus.commits.length, chunkSearch);
      for (const s of SIGNALS) add(rows[s], rankAlone(corpus, f, s, q.query), targets);
      add(
        rows['combined (defaults)'],
        combine(corpus, f.candidates, DEFAULT_WEIGHTS, q.query).map((x) => x.file),
        targets,
      );
      // The product path: what `contextd locate` answers.
      const answer = await engine.locate(q.query, { repo: root, limit: 10 });
      add(
        rows['combined (learned)'],
        answer.files.map((x) => corpus.fileIndex.get(x.path)!),
        targets,
      );
    }
    return {
      name: set.spec.name,
      split: set.spec.split,
      language: set.spec.language,
      indexedAt: set.spec.indexAt,
      commits: corpus.commits.length,
      files: corpus.files.length,
      queries: set.queries.length,
      training: model.training,
      learned: { weights: model.weights, testFactor: model.testFactor },
      rows: Object.fromEntries(Object.entries(rows).map(([k, a]) => [k, done(a)])),
    };
  } finally {
    await engine.close();
  }
}

function rankAlone(corpus: LocateCorpus, f: QueryFeatures, s: (typeof SIGNALS)[number], query: string): number[] {
  const w: LocateWeights = { weights: Object.fromEntries(SIGNALS.map((x) => [x, x === s ? 1 : 0])) as LocateWeights['weights'], testFactor: 1 };
  return combine(corpus, f.candidates, w, query).map((x) => x.file);
}

async function tuneDev(sets: BuiltLocateSet[]): Promise<void> {
  const settingsGrid: { settings: SignalSettings; name: string }[] = [];
  for (const b of [0.3, 0.5, 0.75]) {
    for (const pw of [0, 1]) {
      for (const rest of [0, 0.1, 0.3]) {
        for (const limit of [60]) {
          settingsGrid.push({
            settings: { ...SIGNAL_SETTINGS, fileB: b, pathWeight: pw, chunkRestWeight: rest, chunkLimit: limit },
            name: `b=${b} path=${pw} rest=${rest} chunks=${limit}`,
          });
        }
      }
    }
  }
  const weightGrid: LocateWeights[] = [];
  for (const lexical of [0.5, 1]) {
    for (const chunks of [0.5, 1, 2]) {
      for (const commits of [0.25, 0.5, 1]) {
        for (const path of [0, 0.25, 0.5, 1])
          weightGrid.push({ weights: { ...DEFAULT_WEIGHTS.weights, lexical, path, chunks, commits }, testFactor: DEFAULT_WEIGHTS.testFactor });
      }
    }
  }
  // Mean over the dev sets of each set's MRR@10 (every set counts the same, whatever its size).
  const score = new Map<string, number>();
  const lexicalScore = new Map<string, number>();
  for (const set of sets) {
    const { engine, corpus, chunkSearch } = await openSet(set);
    try {
      for (const g of settingsGrid) {
        const feats: { f: QueryFeatures; q: string; targets: Set<number> }[] = [];
        for (const q of set.queries) {
          const targets = new Set(q.targets.map((p) => corpus.fileIndex.get(p)).filter((x): x is number => x !== undefined));
          feats.push({ f: await querySignals(corpus, q.query, corpus.commits.length, chunkSearch, g.settings), q: q.query, targets });
        }
        const lex = acc();
        for (const x of feats) add(lex, rankAlone(corpus, x.f, 'lexical', x.q), x.targets);
        lexicalScore.set(g.name, (lexicalScore.get(g.name) ?? 0) + done(lex).mrr10 / sets.length);
        for (const w of weightGrid) {
          const a = acc();
          for (const x of feats)
            add(
              a,
              combine(corpus, x.f.candidates, w, x.q).map((c) => c.file),
              x.targets,
            );
          const key = `${g.name} ${JSON.stringify(w.weights)}`;
          score.set(key, (score.get(key) ?? 0) + done(a).mrr10 / sets.length);
        }
      }
    } finally {
      await engine.close();
    }
  }
  const best = [...score].sort((x, y) => y[1] - x[1]).slice(0, 5);
  for (const [k, v] of best) console.log(`dev mean MRR@10 ${v.toFixed(3)}: ${k}`);
  const bestLex = [...lexicalScore].sort((x, y) => y[1] - x[1]).slice(0, 3);
  for (const [k, v] of bestLex) console.log(`dev mean MRR@10 of the lexical signal alone ${v.toFixed(3)}: ${k}`);
  const cur = `b=${SIGNAL_SETTINGS.fileB} path=${SIGNAL_SETTINGS.pathWeight} rest=${SIGNAL_SETTINGS.chunkRestWeight} chunks=${SIGNAL_SETTINGS.chunkLimit} ${JSON.stringify(DEFAULT_WEIGHTS.weights)}`;
  console.log(`current: ${score.get(cur)?.toFixed(3) ?? '(not on the grid)'} ${cur}`);
  writeFileSync(
    join(process.cwd(), 'bench/results/locate-tuning.json'),
    `${JSON.stringify({ date: new Date().toISOString(), dev: sets.map((s) => s.spec.name), best: best.map(([k, v]) => ({ setting: k, meanMrr10: round(v) })), lexicalAlone: bestLex.map(([k, v]) => ({ setting: k, meanMrr10: round(v) })) }, null, 2)}\n`,
  );
}

const file = loadLocateSpecs();
const sets = file.sets
  .filter((s) => (!only || only.includes(s.name)) && (!tune || s.split === 'dev'))
  .map((s) => buildLocateSet(s, file, (m) => process.stderr.write(`${m}\n`)));
if (tune) {
  await tuneDev(sets);
} else {
  const results: SetResult[] = [];
  for (const set of sets) {
    const t0 = Date.now();
    const r = await runSet(set);
    results.push(r);
    console.log(
      `${r.name} (${r.split}, ${r.language}; ${r.commits} commits, ${r.files} files, ${r.queries} queries) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const [k, m] of Object.entries(r.rows)) console.log(`  ${k.padEnd(20)} R@1 ${m.r1.toFixed(3)}  R@5 ${m.r5.toFixed(3)}  MRR@10 ${m.mrr10.toFixed(3)}`);
  }
  if (!only) {
    const out = join(process.cwd(), 'bench/results/locate.json');
    writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), sets: results }, null, 2)}\n`);
    console.log(`wrote ${out}`);
  }
}
