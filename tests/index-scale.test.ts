/**
 * The large-index pipeline (issue 20): files are read, checked and parsed on the parse
 * workers, the built-in model embeds on them too, and parsed files wait for the store
 * instead of piling up. Real git repositories, real SQLite, real worker threads.
 */
import t from 'tap';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { ParsePool } from '../daemon/lang/parse-pool.js';
import { indexRepository } from '../daemon/index/indexer.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import type { FileWrite, MetadataStore, WriteOutcome } from '../daemon/store/types.js';
import { indexWorkerUrl } from '../daemon/index/worker-url.js';
import { buildFixture } from '../fixtures/repos.js';
import { buildRepo, type FileOp } from '../fixtures/repo-builder.js';
import { tempDir } from './helpers/cli.js';

const author = { name: 'Ada', email: 'ada@example.com' };

/** Everything an index holds, in a comparable form: view rows, chunks, symbols, vectors by chunk. */
function snapshot(dataDir: string) {
  const db = new SqliteStore(join(dataDir, 'index.db'), { readonly: true });
  try {
    const q = (sql: string) => db.raw.prepare(sql).all();
    return {
      files: q('SELECT path, blob, content_key, size, language, encoding, status, skip_reason FROM files ORDER BY path'),
      chunks: q(
        'SELECT f.path, pc.ord, pc.chunk_hash, pc.start_line, pc.end_line, pc.symbol, pc.kind FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id ORDER BY f.path, pc.ord',
      ),
      symbols: q(
        'SELECT f.path, s.name, s.kind, s.container, s.start_line, s.end_line, s.signature FROM files f JOIN symbols s ON s.parse_id = f.parse_id ORDER BY f.path, s.start_line, s.name',
      ),
      vectors: (db.raw.prepare('SELECT chunk_hash, vector FROM chunk_vectors ORDER BY chunk_hash').all() as { chunk_hash: string; vector: Buffer }[]).map(
        (r) => [r.chunk_hash, r.vector.toString('base64')],
      ),
    };
  } finally {
    void db.close();
  }
}

t.test('parse workers (read, check, parse, embed by path) store exactly what in-process indexing stores', async (t) => {
  const dir = tempDir(t);
  await buildFixture('basic', join(dir, 'repo'));
  const runs: Record<string, ReturnType<typeof snapshot>> = {};
  for (const workers of ['2', '0']) {
    const dataDir = join(dir, `data-${workers}`);
    const env = { ...process.env, CONTEXTD_DATA_DIR: dataDir, CONTEXTD_CONFIG_DIR: join(dir, 'cfg'), CONTEXTD_WORKERS: workers, CONTEXTD_EMBEDDER: 'builtin' };
    const engine = await Engine.open(loadConfig(env));
    const summary = await engine.index(join(dir, 'repo'));
    const embedded = await engine.embedPending();
    await engine.close();
    t.ok(summary.parsed > 5, `${workers} workers: ${summary.parsed} files parsed`);
    t.ok(Object.keys(summary.skipped).length > 0, `skips counted by reason (${JSON.stringify(summary.skipped)})`);
    t.ok(embedded.added > 0 && embedded.embedded === embedded.total, `every chunk embedded (${embedded.added})`);
    runs[workers] = snapshot(dataDir);
  }
  t.ok(runs['2'].chunks.length > 10 && runs['2'].vectors.length > 10);
  t.same(runs['2'].files, runs['0'].files, 'view rows (blobs, keys, encodings, skip reasons)');
  t.same(runs['2'].chunks, runs['0'].chunks, 'chunks');
  t.same(runs['2'].symbols, runs['0'].symbols, 'symbols');
  t.same(runs['2'].vectors, runs['0'].vectors, 'vectors: the workers embed bit for bit as the main thread does');
});

t.test('parsed files wait for a slow store: what is parsed ahead of the writes stays bounded', async (t) => {
  const dir = tempDir(t);
  const ops: FileOp[] = Array.from({ length: 700 }, (_, i) => ({
    op: 'write',
    path: `src/m${String(i).padStart(3, '0')}.py`,
    content: `def f${i}(x):\n    return x + ${i}\n`,
  }));
  await buildRepo(join(dir, 'repo'), { steps: [{ type: 'commit', author, date: '2025-01-01T00:00:00Z', subject: 'many files', ops }] });
  const store = new SqliteStore(join(dir, 'index.db'));
  t.teardown(() => store.close());
  const pool = new ParsePool({ workers: 2, workerUrl: indexWorkerUrl() });
  t.teardown(() => pool.close());

  // Count files handed to the workers, and hold every batch write until released.
  let prepared = 0;
  const task = pool.task.bind(pool);
  pool.task = ((...args: Parameters<ParsePool['task']>) => (prepared++, task(...args))) as ParsePool['task'];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let firstWrite!: () => void;
  const writing = new Promise<void>((r) => (firstWrite = r));
  const slow = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'writeFiles')
        return async (repoId: number, files: FileWrite[]): Promise<WriteOutcome[]> => {
          firstWrite();
          await gate;
          return target.writeFiles(repoId, files);
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as MetadataStore;

  const run = indexRepository({ store: slow, pool, config: loadConfig({}).index }, join(dir, 'repo'));
  await writing;
  // Let the parsers run as far as they are allowed to while the store holds the first batch.
  let last = -1;
  while (prepared !== last) {
    last = prepared;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.ok(prepared < 400, `${prepared} of 700 files parsed while the store was stuck (bounded, not the whole repository)`);
  release();
  const summary = await run;
  t.equal(summary.parsed, 700, 'every file stored once the store caught up');
  t.equal(summary.files, 700);
});

t.test('a full disk stops the run with disk-full; the index before it stays searchable; the next run finishes', async (t) => {
  const dir = tempDir(t);
  const ops: FileOp[] = Array.from({ length: 300 }, (_, i) => ({
    op: 'write',
    path: `src/big${i}.py`,
    content: Array.from({ length: 40 }, (_, j) => `def fn_${i}_${j}(value):\n    return value * ${j} + ${i}\n`).join('\n'),
  }));
  await buildRepo(join(dir, 'small'), {
    steps: [
      {
        type: 'commit',
        author,
        date: '2025-01-01T00:00:00Z',
        subject: 'one',
        ops: [{ op: 'write', path: 'a.py', content: 'def alpha_beta():\n    return 1\n' }],
      },
    ],
  });
  await buildRepo(join(dir, 'big'), { steps: [{ type: 'commit', author, date: '2025-01-01T00:00:00Z', subject: 'many', ops }] });
  const store = new SqliteStore(join(dir, 'index.db'));
  t.teardown(() => store.close());
  const pool = new ParsePool({ workers: 2, workerUrl: indexWorkerUrl() });
  t.teardown(() => pool.close());
  const deps = { store, pool, config: loadConfig({}).index };
  await indexRepository(deps, join(dir, 'small'));
  // SQLite's own "database or disk is full" (SQLITE_FULL), without a real disk to fill: a page limit just above what is there.
  const pages = store.raw.pragma('page_count', { simple: true }) as number;
  store.raw.pragma(`max_page_count = ${pages + 20}`);
  const err = await indexRepository(deps, join(dir, 'big')).then(
    () => null,
    (e: unknown) => e as { code?: string; message: string; hint?: string },
  );
  t.equal(err?.code, 'disk-full', `a clear error: ${err?.message}`);
  t.match(err?.hint ?? '', /free space/);
  const big = await store.getRepo(join(dir, 'big'));
  t.equal(big?.indexedCommit ?? null, null, 'the indexed commit did not move');
  const hits = await store.lookupSymbols({ names: ['alpha_beta'], limit: 5 });
  t.equal(hits.length, 1, 'the index before the run is intact and searchable');
  store.raw.pragma('max_page_count = 1073741823');
  const done = await indexRepository(deps, join(dir, 'big'));
  t.equal(done.files, 300, 'once space is back the next run stores everything');
  t.ok((await store.getRepo(join(dir, 'big')))?.indexedCommit, 'and moves the indexed commit');
});
