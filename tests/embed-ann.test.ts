import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chunkHash } from '../daemon/index/keys.js';
import { exactTop, LocalVectorIndex } from '../daemon/vectors/local-vector-index.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { SqliteEmbeddingStore } from '../daemon/store/sqlite-vectors.js';
import type { FileWrite } from '../daemon/store/types.js';
import { tempDir } from './helpers/cli.js';

const DIM = 16;
const MODEL = 'test:random';

function rng(seed: number) {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** A store with `n` chunks in files of two repositories and languages, and a random vector for each. */
async function populate(db: string, n: number) {
  const store = new SqliteStore(db);
  const vectors = new SqliteEmbeddingStore(store.raw);
  const rand = rng(1);
  const hashes: string[] = [];
  for (const [r, lang] of [
    ['/repo/one', 'python'],
    ['/repo/two', 'go'],
  ] as const) {
    const repo = await store.ensureRepo(r, r);
    const writes: FileWrite[] = [];
    for (let f = 0; f < n / 2 / 10; f++) {
      const chunks = Array.from({ length: 10 }, (_, i) => ({
        startLine: i * 3 + 1,
        endLine: i * 3 + 3,
        text: `${r} file ${f} chunk ${i}`,
        symbol: `f${i}`,
        kind: 'function' as const,
      }));
      const chunkHashes = chunks.map((c) => chunkHash(lang, 1, c.text));
      hashes.push(...chunkHashes);
      writes.push({
        path: `src/f${f}.${lang === 'go' ? 'go' : 'py'}`,
        blob: `${r}-${f}`,
        contentKey: `${r}-${f}`,
        size: 100,
        language: lang,
        encoding: 'utf-8',
        content: { kind: 'parsed', parsed: { language: lang, chunks, symbols: [], fallback: false }, chunkHashes },
      });
    }
    await store.writeFiles(repo.id, writes);
  }
  await vectors.putModel({ id: MODEL, provider: 'test', dim: DIM, createdAt: 0, trainedChunks: 0 }, null);
  await vectors.putVectors(
    MODEL,
    hashes.map((hash) => ({ hash, vector: unit(Float32Array.from({ length: DIM }, rand)) })),
  );
  return { store, vectors };
}

t.test('the HNSW index matches brute force on a sample, filters by view, and survives a restart', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'index.db');
  const vecDir = join(dir, 'vectors');
  const { store, vectors } = await populate(db, 2000);
  const all = await vectors.scanVectors(MODEL, 0, 10_000);
  t.equal(all.length, 2000);

  let index = new LocalVectorIndex(vectors, { dir: vecDir, annThreshold: 500 });
  const rand = rng(7);
  const queries = Array.from({ length: 30 }, () => unit(Float32Array.from({ length: DIM }, rand)));
  // The graph is built in the background: a search meanwhile does not wait for it, and says its answer is partial.
  index.warm(MODEL);
  t.same(await index.search({ modelId: MODEL, vector: queries[0], limit: 10 }), [], 'no vector hits while the graph builds');
  t.ok(index.partial(), 'partial while building (the engine does not cache such answers)');
  await index.settled();
  t.notOk(index.partial(), 'built');
  let overlap = 0;
  const firstResults: string[][] = [];
  for (const q of queries) {
    const hits = await index.search({ modelId: MODEL, vector: q, limit: 10 });
    t.equal(hits.length, 10);
    const exact = new Set(exactTop(all, q, 10).map((x) => all.find((r) => r.key === x.key)!.hash));
    overlap += hits.filter((h) => exact.has(h.chunkHash)).length;
    firstResults.push(hits.map((h) => h.chunkHash));
  }
  t.equal(index.mode(MODEL), 'hnsw', 'above the threshold: HNSW');
  t.ok(overlap / 300 >= 0.9, `recall@10 vs brute force ${(overlap / 300).toFixed(3)} >= 0.9`);

  // View filters: only the Go repository's chunks.
  const repoTwo = (await store.getRepo('/repo/two'))!;
  const filtered = await index.search({ modelId: MODEL, vector: queries[0], limit: 10, repoIds: [repoTwo.id], languages: ['go'] });
  t.equal(filtered.length, 10);
  t.ok(
    filtered.every((h) => h.repoId === repoTwo.id && h.language === 'go'),
    'every hit in the filtered view',
  );
  const narrow = await index.search({ modelId: MODEL, vector: queries[0], limit: 5, pathRegexes: ['^src/f3\\.py$'] });
  t.ok(narrow.length === 5 && narrow.every((h) => h.path === 'src/f3.py'), 'a narrow path filter still fills the page (exact fallback)');

  await index.close();
  t.ok(
    readdirSync(vecDir).some((f) => f.endsWith('.usearch')),
    'graph saved under the data dir',
  );
  t.equal(index.stats.builds, 1);

  // Restart: the saved graph loads, and the rows stored since are appended.
  index = new LocalVectorIndex(vectors, { dir: vecDir, annThreshold: 500 });
  for (const [i, q] of queries.slice(0, 10).entries()) {
    const hits = await index.search({ modelId: MODEL, vector: q, limit: 10 });
    t.same(
      hits.map((h) => h.chunkHash),
      firstResults[i],
      `same answer after restart (${i})`,
    );
  }
  t.equal(index.stats.loadsFromDisk, 1, 'loaded from disk');
  t.equal(index.stats.builds, 0, 'not rebuilt');
  await index.close();
  await store.close();
  t.ok(existsSync(db));
});

t.test('below the threshold the index is an exact scan', async (t) => {
  const dir = tempDir(t);
  const { store, vectors } = await populate(join(dir, 'index.db'), 200);
  const index = new LocalVectorIndex(vectors, { dir: null, annThreshold: 1000 });
  const all = await vectors.scanVectors(MODEL, 0, 1000);
  const q = all[17].vector;
  const hits = await index.search({ modelId: MODEL, vector: q, limit: 3 });
  t.equal(index.mode(MODEL), 'exact');
  t.equal(hits[0].chunkHash, all[17].hash, 'a vector finds itself first');
  t.ok(Math.abs(hits[0].similarity - 1) < 1e-5);
  await index.close();
  await store.close();
});
