import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { EmbeddingService } from '../daemon/embed/service.js';
import type { Embedder, EmbedKind } from '../daemon/embed/types.js';
import { LocalVectorIndex } from '../daemon/vectors/local-vector-index.js';
import { collectionName, QdrantVectorIndex, type QdrantIndexOptions } from '../daemon/vectors/qdrant-vector-index.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { SqliteEmbeddingStore } from '../daemon/store/sqlite-vectors.js';
import { globToRegex } from '../daemon/search/glob.js';
import { probeQdrant } from '../daemon/backends/probes.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { tempDir } from './helpers/cli.js';
import { eventually } from './helpers/daemon.js';
import { startFakeQdrant, type FakeQdrant } from './helpers/fake-qdrant.js';

const DIM = 8;

/** A deterministic embedder: a vector from the text's characters. */
class FakeEmbedder implements Embedder {
  readonly name = 'fake';
  readonly dimension = DIM;
  calls = 0;
  constructor(readonly modelId: string) {}
  async embed(texts: string[], _kind: EmbedKind): Promise<Float32Array[]> {
    this.calls++;
    return texts.map((s) => {
      const v = new Float32Array(DIM);
      for (let i = 0; i < s.length; i++) v[(s.charCodeAt(i) * 7 + i) % DIM] += (s.charCodeAt(i) % 13) + 1;
      return v;
    });
  }
  async close(): Promise<void> {}
}

function env(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CONTEXTD_DATA_DIR: join(dir, 'data'),
    CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
    CONTEXTD_HISTORY: 'off',
    CONTEXTD_WORKERS: '0',
    CONTEXTD_EMBEDDER: 'off',
    ...extra,
  };
}

/** Two repositories: the basic fixture and a larger generated one (so one repo is a small part of the collection). */
async function indexedStore(t: Parameters<Parameters<typeof t.test>[1]>[0]) {
  const dir = tempDir(t);
  const small = join(dir, 'small');
  const big = join(dir, 'big');
  await buildFixture('basic', small);
  await buildFixture('empty', big);
  mkdirSync(join(big, 'gen'), { recursive: true });
  for (let i = 0; i < 400; i++) {
    writeFileSync(join(big, 'gen', `m${i}.py`), `def compute_${i}(value):\n    """Scale value ${i}."""\n    return value * ${i} + ${i % 7}\n`);
  }
  fixtureGit(big, ['add', '--', 'gen']);
  fixtureGit(big, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'gen']);
  const engine = await Engine.open(loadConfig(env(dir)));
  await engine.index(small);
  await engine.index(big);
  await engine.close();
  return { dir, db: join(dir, 'data', 'index.db'), small, big };
}

function open(db: string, index: (v: SqliteEmbeddingStore) => LocalVectorIndex | QdrantVectorIndex, fake = new FakeEmbedder('ollama:fake')) {
  const store = new SqliteStore(db);
  const vectors = new SqliteEmbeddingStore(store.raw);
  const idx = index(vectors);
  const settings = { ...loadConfig({ ...process.env, CONTEXTD_EMBEDDER: 'ollama', CONTEXTD_EMBED_MODEL: 'fake' }).embed, batchSize: 40, workers: 1 };
  const svc = new EmbeddingService({ store: vectors, index: idx, settings, embedderFor: () => fake, retryDelaysMs: [0] });
  return {
    store,
    vectors,
    idx,
    svc,
    fake,
    close: async () => {
      await svc.close();
      await store.close();
    },
  };
}

function qdrantOpts(fake: FakeQdrant, extra: Partial<QdrantIndexOptions> = {}): QdrantIndexOptions {
  return {
    url: fake.url,
    collectionPrefix: 'ctxtest',
    storeId: 'store1',
    timeoutMs: 500,
    writeTimeoutMs: 2000,
    batchSize: 50,
    maxFilterIds: 16_384,
    syncDelayMs: 10,
    retryBaseMs: 50,
    retryMaxMs: 200,
    ...extra,
  };
}

const where = (hits: { path: string; startLine: number; repoId: number }[]) => hits.map((h) => `${h.repoId}:${h.path}:${h.startLine}`);

t.test('sync: one collection per model and dimension, payload indexes, batched upserts', async (t) => {
  const { db } = await indexedStore(t);
  const fake = await startFakeQdrant();
  t.teardown(() => fake.close());
  const q = open(db, (v) => new QdrantVectorIndex(v, qdrantOpts(fake)));
  t.teardown(() => q.close());
  const run = await q.svc.embedPending();
  t.ok(run.added > 100, `embedded ${run.added} chunks`);
  const name = collectionName('ctxtest', 'store1', 'ollama:fake', DIM);
  t.match(name, /^ctxtest_store1_ollama_fake-[0-9a-f]{6}_8$/);
  const coll = fake.collections.get(name)!;
  t.ok(coll, 'collection created');
  t.equal(coll.size, DIM);
  t.equal(coll.distance, 'Cosine');
  t.same(
    [...coll.indexes.entries()].sort(),
    [
      ['chunk_hash', 'keyword'],
      ['language', 'keyword'],
    ],
    'payload indexes',
  );
  t.equal(coll.points.size, (await q.vectors.vectorStats('ollama:fake')).count, 'every stored vector is a point');
  const upserts = fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/points'));
  t.ok(upserts.length >= 3, `batched (${upserts.length} upserts)`);
  t.ok(upserts.every((r) => r.query.includes('wait=true') && (r.body as { points: unknown[] }).points.length <= 50));
  const point = [...coll.points.values()][0];
  t.match(point.payload, { chunk_hash: /^[0-9a-f]+$/, language: /\w+/ });
  t.equal(typeof point.id, 'number', 'point id = the store key');

  // Nothing new: a second sync upserts nothing.
  const before = upserts.length;
  q.idx.invalidate('ollama:fake');
  await q.idx.flush();
  t.equal(fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/points')).length, before, 'no re-upload');
});

t.test('search: same answers as the exact local index, filters pushed down, hits always in the view', async (t) => {
  const { db, small, big } = await indexedStore(t);
  const fake = await startFakeQdrant();
  t.teardown(() => fake.close());
  const q = open(db, (v) => new QdrantVectorIndex(v, qdrantOpts(fake, { maxFilterIds: 16_384 })));
  t.teardown(() => q.close());
  await q.svc.embedPending();
  const local = new LocalVectorIndex(q.vectors, { dir: null });
  const repos = await q.store.listRepos();
  const smallId = repos.find((r) => r.root === small)!.id;
  const bigId = repos.find((r) => r.root === big)!.id;
  const [vector] = await q.fake.embed(['parse json config text'], 'query');
  const n = Math.hypot(...vector);
  const v = vector.map((x) => x / n);
  const cases = [
    { name: 'no filter', f: {} },
    { name: 'small repository', f: { repoIds: [smallId] } },
    { name: 'big repository', f: { repoIds: [bigId] } },
    { name: 'language', f: { languages: ['python'] } },
    { name: 'path glob', f: { pathRegexes: [globToRegex('src/**')] } },
    { name: 'repo + language', f: { repoIds: [smallId], languages: ['typescript'] } },
  ];
  for (const c of cases) {
    const want = await local.search({ ...c.f, modelId: 'ollama:fake', vector: v, limit: 8 });
    const got = await q.idx.search({ ...c.f, modelId: 'ollama:fake', vector: v, limit: 8 });
    t.same(where(got), where(want), `${c.name}: same hits as the exact index`);
    for (const h of got) {
      if ('repoIds' in c.f) t.ok((c.f.repoIds as number[]).includes(h.repoId), `${c.name}: hit in the repository`);
      if ('languages' in c.f) t.ok((c.f.languages as string[]).includes(h.language), `${c.name}: hit in the language`);
    }
  }
  t.ok(q.idx.stats.idFilterQueries > 0, 'a narrow view was pushed down as an id set');
  const queries = fake.requests.filter((r) => r.path.endsWith('/points/query'));
  t.ok(
    queries.some((r) => JSON.stringify(r.body).includes('"has_id"')),
    'has_id filter sent',
  );
  t.ok(
    queries.some((r) => JSON.stringify(r.body).includes('"language"')),
    'language filter sent',
  );
  t.ok(
    queries.every((r) => (r.body as { with_payload: boolean }).with_payload === false),
    'no payload transferred',
  );

  // A view that changed under the index (files deleted): hits follow the view, not the mirror.
  await q.store.deleteFiles(smallId, ['src/configLoader.ts', 'src/config_loader.py']);
  const after = await q.idx.search({ repoIds: [smallId], modelId: 'ollama:fake', vector: v, limit: 20 });
  t.notOk(
    after.some((h) => h.path === 'src/configLoader.ts' || h.path === 'src/config_loader.py'),
    'deleted files never come back',
  );
});

t.test('pruned chunks are deleted from Qdrant', async (t) => {
  const { db, small } = await indexedStore(t);
  const fake = await startFakeQdrant();
  t.teardown(() => fake.close());
  const q = open(db, (v) => new QdrantVectorIndex(v, qdrantOpts(fake)));
  t.teardown(() => q.close());
  await q.svc.embedPending();
  const name = collectionName('ctxtest', 'store1', 'ollama:fake', DIM);
  const before = fake.collections.get(name)!.points.size;
  const repo = (await q.store.listRepos()).find((r) => r.root === small)!;
  await q.store.removeRepo(repo.id);
  const removed = await q.store.prune();
  t.ok(removed.chunks > 0, `pruned ${removed.chunks} chunks`);
  q.idx.invalidate('ollama:fake');
  await q.idx.flush();
  const stored = (await q.vectors.vectorStats('ollama:fake')).count;
  t.ok(stored < before);
  t.equal(fake.collections.get(name)!.points.size, stored, 'points of pruned chunks deleted');
  t.ok(
    fake.requests.some((r) => r.path.endsWith('/points/delete')),
    'through points/delete',
  );
});

t.test('Qdrant down, hanging, or wiped: semantic off, nothing lost, catches up', async (t) => {
  const { db, dir, big } = await indexedStore(t);
  const fake = await startFakeQdrant();
  t.teardown(() => fake.close());
  const q = open(db, (v) => new QdrantVectorIndex(v, qdrantOpts(fake, { timeoutMs: 300 })));
  t.teardown(() => q.close());
  await q.svc.embedPending();
  const name = collectionName('ctxtest', 'store1', 'ollama:fake', DIM);
  const [vector] = await q.fake.embed(['compute value'], 'query');
  const search = () => q.idx.search({ modelId: 'ollama:fake', vector, limit: 5 });
  t.ok((await search()).length > 0);
  t.equal(q.idx.report().state, 'ok');

  // Down: empty answers at once, status explains.
  // (A stall would show as this test's timeout: nothing here waits on a clock.)
  await fake.down();
  t.same(await search(), [], 'semantic search answers nothing');
  t.same(await search(), []);
  const r = q.idx.report();
  t.equal(r.state, 'down');
  t.match(r.detail, /semantic search is off, lexical\/symbol\/history search answer/);
  t.match(r.fix, /start Qdrant/);

  // New code indexed and embedded meanwhile: its vectors wait in the store and sync when Qdrant is back.
  writeFileSync(join(big, 'gen', 'late.py'), 'def late_arrival(value):\n    return value - 1\n');
  fixtureGit(big, ['add', '--', 'gen/late.py']);
  fixtureGit(big, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'late']);
  const writer = await Engine.open(loadConfig(env(dir)));
  await writer.index(big);
  await writer.close();
  const more = await q.svc.embedPending();
  t.ok(more.added > 0, 'embedding goes on while Qdrant is down');
  await fake.up();
  const stored = (await q.vectors.vectorStats('ollama:fake')).count;
  await eventually(async () => (await search()).length > 0 && fake.collections.get(name)?.points.size === stored, 10_000, 100);
  t.equal(fake.collections.get(name)?.points.size, stored, 'every vector stored while it was down reached Qdrant');
  t.ok((await search()).length > 0, 'answers again once it is back');

  // Hanging: bounded by the timeout, then skipped.
  fake.hang();
  const asked = () => fake.requests.filter((r) => r.path.endsWith('/points/search') || r.path.endsWith('/points/query')).length;
  const before = asked();
  t.same(await search(), [], 'a hanging Qdrant: the query times out and answers nothing');
  t.equal(asked(), before + 1, 'the query was sent (and abandoned at the timeout)');
  t.equal(q.idx.report().state, 'down', 'the index reports Qdrant down');
  t.same(await search(), []);
  t.equal(asked(), before + 1, 'then it is skipped, not asked again, until a probe is due');
  fake.unhang();

  // Wiped (restarted without storage): the next sync recreates and refills the collection.
  await eventually(async () => (await search()).length > 0, 10_000, 100);
  fake.wipe();
  t.same(await search(), [], 'a missing collection answers nothing');
  await eventually(async () => (fake.collections.get(name)?.points.size ?? 0) === (await q.vectors.vectorStats('ollama:fake')).count, 10_000, 100);
  t.equal(fake.collections.get(name)?.points.size, (await q.vectors.vectorStats('ollama:fake')).count, 'refilled from the store');
  t.ok((await search()).length > 0);
});

t.test('error bodies and probes', async (t) => {
  const fake = await startFakeQdrant({ version: '1.13.4' });
  t.teardown(() => fake.close());
  const ok = await probeQdrant(fake.url, null, 1000);
  t.equal(ok.state, 'ok');
  t.equal(ok.version, '1.13.4');
  t.ok(typeof ok.latencyMs === 'number');
  const closed = await startFakeQdrant();
  await closed.down();
  const down = await probeQdrant(closed.url, null, 1000);
  t.equal(down.state, 'down');
  t.match(down.detail, /cannot reach Qdrant \(ECONNREFUSED\)/);
  t.match(down.fix, /start Qdrant/);

  // The client surfaces Qdrant's own error text.
  const { QdrantClient } = await import('@qdrant/js-client-rest');
  const { qdrantError } = await import('../daemon/vectors/qdrant-vector-index.js');
  const c = new QdrantClient({ url: fake.url, checkCompatibility: false });
  await c.createCollection('x', { vectors: { size: 3, distance: 'Cosine' } });
  const dup = await c.createCollection('x', { vectors: { size: 3, distance: 'Cosine' } }).catch((e: unknown) => e);
  t.equal((dup as { status: number }).status, 409);
  t.equal(qdrantError(dup), 'Qdrant answered 409: Wrong input: Collection `x` already exists!');
  const dim = await c.upsert('x', { wait: true, points: [{ id: 1, vector: [1, 2] }] }).catch((e: unknown) => e);
  t.equal(qdrantError(dim), 'Qdrant answered 400: Wrong input: Vector dimension error: expected dim: 3, got 2');
  const missing = await c.query('nope', { query: [1, 2, 3], limit: 1 }).catch((e: unknown) => e);
  t.equal(qdrantError(missing), "Qdrant answered 404: Not found: Collection `nope` doesn't exist!");
});

t.test('engine on Qdrant: semantic hits from Qdrant; with Qdrant down lexical and symbol search still answer', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'repo');
  await buildFixture('basic', root);
  const fake = await startFakeQdrant();
  t.teardown(() => fake.close());
  const engine = await Engine.open(loadConfig(env(dir, { CONTEXTD_EMBEDDER: 'builtin', CONTEXTD_QDRANT_URL: fake.url })));
  t.teardown(() => engine.close());
  await engine.index(root);
  await engine.embedPending();
  t.ok(
    [...fake.collections.keys()].some((k) => k.startsWith(`contextd_${engine.storeId}_static`)),
    'collection for the built-in model',
  );
  const sem = await engine.search('parse json configuration text', { repo: root, mode: 'semantic' });
  t.ok(sem.length > 0 && sem.every((h) => h.retrievers.includes('semantic')), 'semantic hits through Qdrant');
  await fake.down();
  const lex = await engine.search('parseJsonConfig', { repo: root });
  t.ok(lex.length > 0, 'hybrid search still answers');
  t.same(await engine.search('load yaml settings file', { repo: root, mode: 'semantic' }), [], 'semantic alone answers nothing');
  t.ok((await engine.symbols('parseJsonConfig', { repo: root })).length > 0, 'symbols too');
  const reports = await engine.backendReports();
  const vectors = reports.find((r) => r.name === 'vectors')!;
  t.equal(vectors.kind, 'qdrant');
  t.equal(vectors.state, 'down');
  // The answer given while Qdrant was down was not cached: once it is back, the same query finds vectors again.
  await fake.up();
  const back = await eventually(async () => (await engine.search('load yaml settings file', { repo: root, mode: 'semantic' })).length > 0, 10_000, 200);
  t.ok(back, 'semantic answers again for the query that was answered degraded');
});

t.test('live Qdrant (set QDRANT_URL)', { skip: process.env.QDRANT_URL ? false : 'QDRANT_URL is not set' }, async (t) => {
  const { db, small } = await indexedStore(t);
  const prefix = `ctxlive${process.pid}`;
  const q = open(
    db,
    (v) =>
      new QdrantVectorIndex(v, {
        url: process.env.QDRANT_URL!,
        apiKey: process.env.QDRANT_API_KEY ?? null,
        collectionPrefix: prefix,
        storeId: 's',
        timeoutMs: 5000,
        writeTimeoutMs: 30_000,
        batchSize: 64,
        maxFilterIds: 16_384,
        syncDelayMs: 10,
      }),
  );
  t.teardown(async () => {
    await q.idx.drop('ollama:fake');
    await q.close();
  });
  await q.svc.embedPending();
  const local = new LocalVectorIndex(q.vectors, { dir: null });
  const repoId = (await q.store.listRepos()).find((r) => r.root === small)!.id;
  const [vector] = await q.fake.embed(['parse json config text'], 'query');
  for (const f of [{}, { repoIds: [repoId] }, { languages: ['python'] }]) {
    const want = await local.search({ ...f, modelId: 'ollama:fake', vector, limit: 5 });
    const got = await q.idx.search({ ...f, modelId: 'ollama:fake', vector, limit: 5 });
    t.same(new Set(where(got)), new Set(where(want)), `same hits as the exact index (${JSON.stringify(f)})`);
  }
  const probe = await probeQdrant(process.env.QDRANT_URL!, process.env.QDRANT_API_KEY ?? null, 5000);
  t.equal(probe.state, 'ok');
  t.match(probe.version, /^\d+\.\d+/);
});
