import t from 'tap';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { EmbeddingService, type EmbedSettings } from '../daemon/embed/service.js';
import type { Embedder, EmbedKind } from '../daemon/embed/types.js';
import { LocalVectorIndex } from '../daemon/vectors/local-vector-index.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { SqliteEmbeddingStore } from '../daemon/store/sqlite-vectors.js';
import { buildFixture } from '../fixtures/repos.js';
import { tempDir } from './helpers/cli.js';

/** A deterministic fake: a vector from the text's character codes; counts calls; can fail on chosen calls. */
class FakeEmbedder implements Embedder {
  readonly name = 'fake';
  readonly dimension = 8;
  calls = 0;
  texts = 0;
  failOn = new Set<number>();
  constructor(readonly modelId: string) {}
  async embed(texts: string[], _kind: EmbedKind): Promise<Float32Array[]> {
    this.calls++;
    if (this.failOn.has(this.calls)) throw new Error(`fake failure on call ${this.calls}`);
    this.texts += texts.length;
    return texts.map((t) => {
      const v = new Float32Array(8);
      for (let i = 0; i < t.length; i++) v[i % 8] += t.charCodeAt(i) % 17;
      v[(this.modelId.length + t.length) % 8] += 5;
      return v;
    });
  }
  async close(): Promise<void> {}
}

async function indexed(t: TapTest, repos = ['basic']): Promise<{ dir: string; db: string; roots: string[] }> {
  const dir = tempDir(t);
  const env = { ...process.env, CONTEXTD_DATA_DIR: join(dir, 'data'), CONTEXTD_CONFIG_DIR: join(dir, 'cfg'), CONTEXTD_HISTORY: 'off' };
  const engine = await Engine.open(loadConfig(env));
  const roots: string[] = [];
  for (const [i, name] of repos.entries()) {
    const root = join(dir, `${name}-${i}`);
    await buildFixture(name as 'basic', root);
    await engine.index(root);
    roots.push(root);
  }
  await engine.close();
  return { dir, db: join(dir, 'data', 'index.db'), roots };
}

function service(db: string, fakes: Map<string, FakeEmbedder>, settings: Partial<EmbedSettings> = {}) {
  const store = new SqliteStore(db);
  const vectors = new SqliteEmbeddingStore(store.raw);
  const svc = new EmbeddingService({
    store: vectors,
    index: new LocalVectorIndex(vectors, { dir: null }),
    settings: { provider: 'ollama', model: 'a', ollamaHost: 'http://127.0.0.1:1', batchSize: 4, workers: 1, annThreshold: 20_000, ...settings },
    embedderFor: (id) => {
      let f = fakes.get(id);
      if (!f) fakes.set(id, (f = new FakeEmbedder(id)));
      return f;
    },
    retryDelaysMs: [0, 0],
  });
  return {
    store,
    vectors,
    svc,
    close: async () => {
      await svc.close();
      await store.close();
    },
  };
}

type TapTest = Parameters<Parameters<typeof t.test>[1]>[0];

t.test('embedding cache: a chunk is embedded once, across runs, re-indexes and repositories', async (t) => {
  // Two copies of the same fixture: identical chunks, one vector each.
  const { db } = await indexed(t, ['basic', 'basic']);
  const fakes = new Map<string, FakeEmbedder>();
  const s = service(db, fakes);
  const first = await s.svc.embedPending();
  const fake = fakes.get('ollama:a')!;
  t.ok(first.total > 5, `chunks to embed (${first.total})`);
  t.equal(first.added, first.total, 'every live chunk embedded');
  t.equal(fake.texts, first.total, 'each distinct chunk sent once, though two repositories hold it');
  const calls = fake.calls;
  const again = await s.svc.embedPending();
  t.equal(again.added, 0, 'second run: nothing to do');
  t.equal(fake.calls, calls, 'no embedder call at all');
  t.equal((await s.svc.refreshProgress()).servingModel, 'ollama:a');
  const hits = await s.svc.search('parse json config', {}, 5);
  t.ok(hits.length > 0 && hits.every((h) => typeof h.similarity === 'number'), 'vectors answer queries');
  await s.close();
});

t.test('a model change re-embeds in the background while the old vectors serve', async (t) => {
  const { db } = await indexed(t);
  const fakes = new Map<string, FakeEmbedder>();
  let s = service(db, fakes, { model: 'a' });
  const a = await s.svc.embedPending();
  await s.close();

  s = service(db, fakes, { model: 'b' });
  const partial = await s.svc.embedPending({ maxChunks: 4 });
  t.equal(partial.added, 4);
  t.equal(partial.promoted, false, 'not promoted while incomplete');
  t.equal(await s.svc.servingModel(true), 'ollama:a', 'the old model still serves');
  const before = fakes.get('ollama:a')!.calls;
  t.ok((await s.svc.search('config', {}, 3)).length > 0, 'semantic search keeps working on the old vectors');
  t.equal(fakes.get('ollama:a')!.calls, before + 1, 'the query was embedded by the old model');
  const done = await s.svc.embedPending();
  t.equal(done.added, a.total - 4);
  t.equal(done.promoted, true);
  t.equal(await s.svc.servingModel(true), 'ollama:b', 'the new model serves once complete');
  t.equal((await s.vectors.counts('ollama:a')).embedded, 0, 'old vectors dropped');
  t.same(
    (await s.vectors.listModels()).map((m) => m.id),
    ['ollama:b'],
  );
  await s.close();
});

t.test('an embedder failing mid-batch leaves no half-written vectors and is retried', async (t) => {
  const { db } = await indexed(t);
  const fakes = new Map<string, FakeEmbedder>();
  const f = new FakeEmbedder('ollama:a');
  fakes.set('ollama:a', f);
  // Call 2 fails once: retried, the run completes.
  f.failOn = new Set([2]);
  let s = service(db, fakes);
  const ok = await s.svc.embedPending();
  t.equal(ok.embedded, ok.total, 'complete despite one failure');
  t.equal(s.svc.calls.failures, 1, 'one failure, retried');
  await s.close();

  // A second model whose embedder fails for good on the third batch: two whole batches stored, nothing else.
  const g = new FakeEmbedder('ollama:c');
  fakes.set('ollama:c', g);
  g.failOn = new Set([3, 4, 5]);
  s = service(db, fakes, { model: 'c' });
  await t.rejects(s.svc.embedPending(), /fake failure/);
  const p = s.svc.progress();
  t.equal(p.state, 'error');
  t.match(p.lastError, /fake failure/);
  const c = await s.vectors.counts('ollama:c');
  t.equal(c.embedded, 8, 'exactly the two stored batches (4 chunks each): no partial batch');
  g.failOn.clear();
  const rerun = await s.svc.embedPending();
  t.equal(rerun.added, c.total - 8, 'the next run embeds only what is missing');
  t.equal(rerun.embedded, rerun.total);
  await s.close();
});
