/**
 * Issue 14 benchmark: throughput of the built-in static code model
 * (daemon/embed/static-embedder.ts) on one core, on the chunks contextd makes
 * of the Python standard library (the same chunker as `contextd index`).
 * Reports the best and median of 5 passes, documents and queries.
 *
 *   node --import tsx bench/embed-bench.ts [--model FILE]
 *
 * Writes bench/results/embed-static.json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStaticModel, StaticCodeEmbedder } from '../daemon/embed/static-embedder.js';
import { parseFile } from '../daemon/lang/chunker.js';
import { stdlibPath } from './corpus.js';

const SKIP = new Set(['test', 'tests', 'idle_test', 'site-packages', '__pycache__']);
function pyFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) pyFiles(join(dir, e.name), out);
    } else if (e.name.endsWith('.py')) out.push(join(dir, e.name));
  }
  return out;
}

const root = stdlibPath();
const chunks: string[] = [];
for (const f of pyFiles(root)) {
  const p = await parseFile(f, readFileSync(f, 'utf8'), 'python');
  for (const c of p.chunks) chunks.push(c.text);
}
const chars = chunks.reduce((s, c) => s + c.length, 0);
const t0 = performance.now();
const mi = process.argv.indexOf('--model');
const e = new StaticCodeEmbedder(mi > 0 ? loadStaticModel(process.argv[mi + 1]) : undefined);
const loadMs = performance.now() - t0;
const queries = chunks.slice(0, 5000).map((c) => c.split('\n').find((l) => l.trim()) ?? c);

function pass(texts: string[], kind: 'document' | 'query'): number {
  const s = performance.now();
  for (const t of texts) e.embedOne(t, kind);
  return texts.length / ((performance.now() - s) / 1000);
}
const docRates: number[] = [];
const qRates: number[] = [];
for (let i = 0; i < 5; i++) {
  docRates.push(pass(chunks, 'document'));
  qRates.push(pass(queries, 'query'));
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const result = {
  at: new Date().toISOString(),
  modelId: e.modelId,
  dimension: e.dimension,
  corpus: { root, chunks: chunks.length, avgChars: Math.round(chars / chunks.length) },
  loadMs: Math.round(loadMs),
  documentChunksPerSecond: { best: Math.round(Math.max(...docRates)), median: Math.round(med(docRates)) },
  queriesPerSecond: { best: Math.round(Math.max(...qRates)), median: Math.round(med(qRates)) },
  note: 'one thread, in process; the machine has 2 cores shared with other work',
};
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
if (mi < 0) writeFileSync(join(import.meta.dirname, 'results', 'embed-static.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
