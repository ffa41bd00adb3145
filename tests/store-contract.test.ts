/**
 * The MetadataStore / EmbeddingStore contract, run against BOTH backends: the embedded
 * SQLite store and PostgreSQL. Then the same fixture repositories indexed through the
 * real pipeline on each must answer every search, symbol and history question
 * identically (same hits, same order, same scores: the PostgreSQL store reproduces
 * FTS5's BM25 exactly; see daemon/store/postgres-lexical.ts).
 *
 * PostgreSQL comes from tests/helpers/services.ts (PG_URL, 127.0.0.1:5432/test, or a
 * throwaway server); each test uses a schema of its own. Without one the PostgreSQL
 * half is skipped loudly, or fails under CONTEXTD_REQUIRE_SERVICES=1.
 */
import t from 'tap';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { chunkHash, contentKey } from '../daemon/index/keys.js';
import type { ParsedFile } from '../daemon/lang/types.js';
import { ftsExpression } from '../daemon/search/lexical.js';
import { globToRegex } from '../daemon/search/glob.js';
import { queryTerms } from '../daemon/search/tokenize.js';
import { PostgresStore } from '../daemon/store/postgres-store.js';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { SqliteEmbeddingStore } from '../daemon/store/sqlite-vectors.js';
import type { FileWrite, MetadataStore } from '../daemon/store/types.js';
import type { EmbeddingStore } from '../daemon/store/vector-types.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { REPO_ROOT, tempDir } from './helpers/cli.js';
import { pgForTest, pgSchemaUrl } from './helpers/services.js';

/** What these helpers need of a tap test (the root object or a subtest). */
type Tap = { teardown(fn: () => unknown): void; testdir(): string; comment(...m: unknown[]): void };
// tests/helpers/services.ts types tap loosely; any test object fits at runtime.
type ServiceT = Parameters<typeof pgForTest>[0];
const asT = (x: unknown) => x as ServiceT;

const pg = await pgForTest(asT(t));
if (pg) t.comment(`PostgreSQL: ${pg.source} (${pg.url.replace(/:[^:@/]*@/, ':***@')})`);

interface Backend {
  name: 'sqlite' | 'postgres';
  open(t: Tap, name: string): Promise<{ store: MetadataStore; vectors: EmbeddingStore }>;
  /** Env for an Engine on this backend (data dir given by the caller). */
  env(t: Tap, name: string): Record<string, string>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async open(t) {
    const store = new SqliteStore(join(t.testdir(), 'index.db'));
    t.teardown(() => store.close());
    return { store, vectors: new SqliteEmbeddingStore(store.raw) };
  },
  env: () => ({}),
};

const postgres: Backend = {
  name: 'postgres',
  async open(t, name) {
    const store = await PostgresStore.open({ url: pgSchemaUrl(asT(t), pg!.url, name), machine: 'machine-a' });
    t.teardown(() => store.close());
    return { store, vectors: store.embeddings() };
  },
  env: (t, name) => ({ CONTEXTD_DATABASE_URL: pgSchemaUrl(asT(t), pg!.url, name), CONTEXTD_MACHINE: 'machine-a' }),
};

const backends: Backend[] = pg ? [sqlite, postgres] : [sqlite];

const parsed: ParsedFile = {
  language: 'python',
  fallback: false,
  chunks: [
    { startLine: 1, endLine: 2, text: 'import json\nimport os', symbol: null, kind: 'statements' },
    {
      startLine: 4,
      endLine: 6,
      text: 'def parse_json_config(path):\n    with open(path) as f:\n        return json.load(f)',
      symbol: 'parse_json_config',
      kind: 'function',
    },
    { startLine: 8, endLine: 9, text: 'class Loader:\n    pass  # naïve ÉCOLE façade', symbol: 'Loader', kind: 'class' },
  ],
  symbols: [
    {
      name: 'parse_json_config',
      kind: 'function',
      container: null,
      startLine: 4,
      endLine: 6,
      nameLine: 4,
      nameColumn: 4,
      signature: 'def parse_json_config(path):',
    },
    { name: 'Loader', kind: 'class', container: null, startLine: 8, endLine: 9, nameLine: 8, nameColumn: 6, signature: 'class Loader:' },
  ],
};

function write(path: string, blob: string, p: ParsedFile = parsed): FileWrite {
  return {
    path,
    blob,
    contentKey: contentKey(blob, p.language, 1),
    size: 100,
    language: p.language,
    encoding: 'utf8',
    content: { kind: 'parsed', parsed: p, chunkHashes: p.chunks.map((c) => chunkHash(p.language, 1, c.text)) },
  };
}

const match = (q: string) => ftsExpression(queryTerms(q));

/** What a backend returns for a scripted sequence of writes and queries (compared across backends). */
async function script(store: MetadataStore): Promise<unknown[]> {
  const out: unknown[] = [];
  const repo = await store.ensureRepo('/r', 'r');
  await store.writeFile(repo.id, write('a.py', 'b1'));
  const other = await store.ensureRepo('/other', 'other');
  const parseId = await store.findParse(contentKey('b1', 'python', 1));
  await store.writeFile(other.id, { ...write('copy.py', 'b1'), content: { kind: 'reuse', parseId: parseId! } });
  await store.writeFiles(repo.id, [
    write('b.py', 'b5'),
    write('c.py', 'b6', { ...parsed, chunks: parsed.chunks.slice(0, 2), symbols: parsed.symbols.slice(0, 1) }),
  ]);
  const queries = ['json config', 'parse_json_config', 'parseJsonConfig', 'loader', 'naive', 'ecole', 'facade', 'import os json', 'with open path', 'f'];
  const search = async (label: string) => {
    for (const q of queries)
      out.push([label, q, (await store.searchLexical({ match: match(q), limit: 10 })).map((h) => [h.repoId, h.path, h.startLine, h.bm25])]);
  };
  await search('before');
  out.push((await store.searchLexical({ match: match('json'), limit: 10, pathRegexes: ['^copy\\.py$'] })).map((h) => [h.path, h.startLine]));
  out.push((await store.searchLexical({ match: match('json'), limit: 3 })).map((h) => [h.path, h.startLine]));
  out.push((await store.searchLexical({ match: '"parse" AND ("json" OR "nothing") NOT "loader"', limit: 10 })).map((h) => [h.path, h.startLine, h.bm25]));
  await store.writeFile(repo.id, write('a.py', 'b2', { ...parsed, chunks: [parsed.chunks[0]], symbols: [] }));
  await store.deleteFiles(other.id, ['copy.py']);
  out.push(await store.prune());
  await search('after prune');
  out.push(await store.stats(repo.id), await store.stats());
  out.push(await store.lookupSymbols({ names: ['Loader', 'parse_json_config'], limit: 10 }));
  out.push(await store.lookupSymbols({ names: ['parse_json_config'], limit: 1, kinds: ['function'] }));
  out.push((await store.symbolNames()).slice().sort());
  out.push(await store.fileChunks(repo.id, 'b.py').then((rows) => rows.map(({ occurrenceId: _o, ...r }) => r)));
  return out;
}

for (const b of backends) {
  t.test(`${b.name}: write, search, reuse, delete, prune`, async (t) => {
    const { store } = await b.open(t, 'basics');
    const repo = await store.ensureRepo('/r', 'r');
    t.same(await store.ensureRepo('/r', 'r'), repo, 'ensureRepo is idempotent');
    const first = await store.writeFile(repo.id, write('a.py', 'b1'));
    t.equal(first.newChunks, 3, 'three new chunk texts');
    const hits = await store.searchLexical({ match: match('json config'), limit: 10 });
    t.equal(hits.length, 2, 'both chunks mentioning json');
    t.equal(hits[0].symbol, 'parse_json_config', 'the definition (symbol column weighs more) ranks first');
    const other = await store.ensureRepo('/other', 'other');
    const parseId = await store.findParse(contentKey('b1', 'python', 1));
    t.ok(parseId, 'parse found by content key');
    const reused = await store.writeFile(other.id, { ...write('copy.py', 'b1'), content: { kind: 'reuse', parseId: parseId! } });
    t.same(reused, { parseId, newChunks: 0 });
    t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10 })).length, 2, 'one hit per view');
    t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10, repoIds: [other.id] })).length, 1, 'repo filter');
    t.equal((await store.searchLexical({ match: match('parse_json_config'), limit: 10, languages: ['go'] })).length, 0, 'language filter');
    t.equal((await store.searchLexical({ match: match('naïve'), limit: 10 })).length, 2, 'diacritics folded like FTS5');
    const edited: ParsedFile = { ...parsed, chunks: [parsed.chunks[0]], symbols: [] };
    t.equal((await store.writeFile(repo.id, write('a.py', 'b2', edited))).newChunks, 0, 'an unchanged chunk text is not new');
    await store.deleteFiles(other.id, ['copy.py']);
    t.match(await store.prune(), { parses: 1, chunks: 2 }, 'old parse and its two unique chunks removed');
    t.equal((await store.searchLexical({ match: match('os'), limit: 10 })).length, 1, 'live chunk kept');
    await store.writeFile(repo.id, { ...write('bin.dat', 'b3'), language: null, content: { kind: 'skipped', reason: 'binary' } });
    t.equal((await store.listFiles(repo.id)).get('bin.dat')?.skipReason, 'binary');
    t.equal((await store.stats(repo.id)).skipped, 1);
    const health = await store.health();
    t.match(health, { healthy: true, backend: b.name, version: b.name === 'sqlite' ? /^SQLite / : /^PostgreSQL / });
    t.equal(store.repoLock.kind, b.name === 'sqlite' ? 'none' : 'postgres-advisory');
  });

  t.test(`${b.name}: a failed write leaves nothing behind; a bad file in a batch fails alone`, async (t) => {
    const { store } = await b.open(t, 'failed');
    const repo = await store.ensureRepo('/r', 'r');
    const bad = write('a.py', 'b1');
    (bad.content as { chunkHashes: string[] }).chunkHashes = [chunkHash('python', 1, 'x')];
    await t.rejects(store.writeFile(repo.id, bad));
    t.equal((await store.listFiles(repo.id)).size, 0, 'no view row');
    t.equal(await store.findParse(bad.contentKey), null, 'no parse row');
    t.equal((await store.searchLexical({ match: match('json'), limit: 10 })).length, 0, 'no index rows');
    const outcomes = await store.writeFiles(repo.id, [write('ok1.py', 'c1'), bad, write('ok2.py', 'c2', { ...parsed, chunks: parsed.chunks.slice(1) })]);
    t.equal(outcomes.length, 3);
    t.ok(outcomes[1].error, 'the bad file reports an error');
    t.notOk(outcomes[0].error || outcomes[2].error, 'the others were stored');
    t.same(
      outcomes.map((o) => o.newChunks),
      [3, 0, 0],
      'new chunks counted once, for the first file holding them',
    );
    t.same([...(await store.listFiles(repo.id)).keys()].sort(), ['ok1.py', 'ok2.py']);
  });

  t.test(`${b.name}: the job queue`, async (t) => {
    const { store } = await b.open(t, 'jobs');
    const repo = await store.ensureRepo('/r', 'r');
    await store.enqueue(repo.id, ['a.py', 'b.py'], 'watch');
    await store.enqueue(repo.id, ['b.py', 'c.py'], 'watch');
    t.same(await store.pendingJobs(), new Map([[repo.id, 3]]));
    const batch = (await store.takeJobs(repo.id, 2))!;
    t.same(batch.paths, ['a.py', 'b.py'], 'oldest first, limited');
    await store.enqueue(repo.id, ['a.py'], 'again');
    await store.finishJobs(repo.id, batch);
    t.same((await store.takeJobs(repo.id, 10))!.paths.sort(), ['a.py', 'c.py'], 'a path queued again while running is kept');
    await store.enqueue(repo.id, null, 'commit');
    const full = (await store.takeJobs(repo.id, 1))!;
    t.equal(full.full, true, 'a whole-tree job swallows path jobs');
    t.same(full.reasons.sort(), ['again', 'commit', 'watch']);
    await store.finishJobs(repo.id, full);
    t.equal(await store.takeJobs(repo.id, 10), null);
    await store.updateRepo(repo.id, { registered: true, lastError: 'x' });
    t.match(await store.getRepoById(repo.id), { registered: true, lastError: 'x' });
    await store.enqueue(repo.id, ['z'], 'r');
    await store.removeRepo(repo.id);
    t.same(await store.pendingJobs(), new Map(), 'jobs go with their repository');
    t.same(await store.listRepos(), []);
  });

  t.test(`${b.name}: vectors`, async (t) => {
    const { store, vectors } = await b.open(t, 'vectors');
    const repo = await store.ensureRepo('/r', 'r');
    await store.writeFile(repo.id, write('a.py', 'b1'));
    await vectors.putModel({ id: 'm1', provider: 'test', dim: 2, createdAt: 1, trainedChunks: 3 }, Buffer.from([1, 2, 3]));
    t.same(await vectors.getModelBlob('m1'), Buffer.from([1, 2, 3]));
    await vectors.putModel({ id: 'm1', provider: 'test', dim: 2, createdAt: 1, trainedChunks: 4 }, null);
    t.same(await vectors.getModelBlob('m1'), Buffer.from([1, 2, 3]), 'a null blob keeps the stored one');
    t.match(await vectors.getModel('m1'), { trainedChunks: 4 });
    const pending = await vectors.pendingChunks('m1', 10);
    t.equal(pending.length, 3);
    t.same(
      pending.map((p) => p.hash),
      [...pending.map((p) => p.hash)].sort(),
      'in hash order',
    );
    await vectors.putVectors(
      'm1',
      pending.map((p, i) => ({ hash: p.hash, vector: new Float32Array([i, 1.5]) })),
    );
    t.same(await vectors.counts('m1'), { total: 3, embedded: 3 });
    const scanned = await vectors.scanVectors('m1', 0, 10);
    t.same(
      scanned.map((v) => Array.from(v.vector)),
      [
        [0, 1.5],
        [1, 1.5],
        [2, 1.5],
      ],
      'float32 round trip, key order',
    );
    t.same(
      scanned.map((v) => v.language),
      ['python', 'python', 'python'],
    );
    t.same(await vectors.vectorStats('m1'), { count: 3, maxKey: scanned[2].key });
    t.same(
      (await vectors.keysInView('m1', { repoIds: [repo.id] })).sort((a, c) => a - c),
      scanned.map((v) => v.key),
    );
    t.equal((await vectors.keysInView('m1', { languages: ['go'] })).length, 0);
    const occ = await vectors.occurrencesForKeys('m1', [scanned[0].key], {});
    t.same(
      occ.map((o) => [o.key, o.path]),
      [[scanned[0].key, 'a.py']],
    );
    t.equal((await vectors.vectorsByKey('m1', [scanned[1].key]))[0].hash, scanned[1].hash);
    t.equal((await vectors.sampleChunks(2)).length, 2, 'every other chunk');
    await vectors.setSetting('serving', 'm1');
    t.equal(await vectors.getSetting('serving'), 'm1');
    await vectors.setSetting('serving', null);
    t.equal(await vectors.getSetting('serving'), null);
    await store.writeFile(repo.id, write('a.py', 'b2', { ...parsed, chunks: [parsed.chunks[0]], symbols: [] }));
    await store.prune();
    t.equal((await vectors.vectorStats('m1')).count, 1, 'pruned chunks take their vectors along');
    await vectors.dropModel('m1');
    t.same(await vectors.listModels(), []);
  });
}

if (pg) {
  t.test('the same writes and queries give the same rows and BM25 scores on both backends', async (t) => {
    const a = await script((await sqlite.open(t, 'script')).store);
    const b = await script((await postgres.open(t, 'script')).store);
    t.same(b, a);
    t.equal(JSON.stringify(b), JSON.stringify(a), 'bit for bit (scores included)');
  });

  t.test('fixture repositories through the real pipeline: identical search, symbol and history results', async (t) => {
    const dir = tempDir(t);
    const basic = await buildFixture('basic', join(dir, 'basic'));
    const history = await buildFixture('history', join(dir, 'history'));
    // Every sample file of every language, as one more repository.
    const samples = join(dir, 'samples');
    cpSync(join(REPO_ROOT, 'fixtures', 'samples'), samples, { recursive: true });
    fixtureGit(samples, ['init', '-q']);
    fixtureGit(samples, ['add', '-A']);
    fixtureGit(samples, ['commit', '-q', '-m', 'Samples in every language']);
    const roots = [basic.dir, history.dir, samples];

    const open = async (b: Backend) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        CONTEXTD_DATA_DIR: join(dir, `data-${b.name}`),
        CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
        CONTEXTD_WORKERS: '0',
        ...b.env(t, 'pipeline'),
      };
      if (b.name === 'sqlite') delete env.CONTEXTD_DATABASE_URL;
      const engine = await Engine.open(loadConfig(env));
      t.teardown(() => engine.close());
      for (const root of roots) {
        const summary = await engine.index(root);
        t.same([summary.errors, summary.historyError ?? null, summary.history?.skipped], [[], null, {}], `${b.name}: ${root} indexed without errors`);
      }
      return engine;
    };
    const lite = await open(sqlite);
    const post = await open(postgres);
    t.equal(post.store.backend, 'postgres');

    const searches: [string, Parameters<Engine['search']>[1]][] = [];
    const words = [
      'parseJsonConfig',
      'parse json config',
      'config loader',
      'json',
      'cache',
      'invalidate',
      'Cache.get',
      'LRU cache eviction',
      'thundering herd',
      'fix race in cache invalidation',
      'slugify',
      'naïve façade',
      'deep',
      'server main',
      'row store',
      'get',
      'self',
      'test_cache',
      'where do we load the configuration file',
      'big_table',
      'return',
      'import os',
      'HTTP handler',
      'struct',
      'fn new',
      'public static void main',
    ];
    for (const q of words) searches.push([q, {}], [q, { mode: 'lexical' }]);
    searches.push(
      ['config', { paths: ['*.py'] }],
      ['config', { paths: ['src/**'], languages: ['typescript'] }],
      ['cache', { repo: history.dir }],
      ['cache', { repo: history.dir, author: 'bob' }],
      ['cache', { repo: history.dir, since: '2023-06-01' }],
      ['cache', { repo: history.dir, until: '2023-06-01', boostRecent: true, boostChurn: true }],
      ['fix race in cache invalidation', { repo: history.dir, history: true }],
      ['parse', { mode: 'symbol' }],
      ['main', { limit: 50 }],
    );
    let compared = 0;
    let hits = 0;
    for (const [q, scope] of searches) {
      const [x, y] = await Promise.all([lite.search(q, scope), post.search(q, scope)]);
      t.same(y, x, `search ${JSON.stringify(q)} ${JSON.stringify(scope)}`);
      compared++;
      hits += x.length;
    }
    t.ok(hits > 200, `${compared} searches compared, ${hits} hits`);
    for (const q of ['pjc', 'Cache', 'get', 'main', 'slug', 'Loader', 'x', 'handle']) {
      t.same(await post.symbols(q), await lite.symbols(q), `symbols ${q}`);
    }
    t.same(await post.symbols('cache', { kinds: ['class'], paths: ['src/*'] }), await lite.symbols('cache', { kinds: ['class'], paths: ['src/*'] }));

    for (const target of ['src/cache.py', 'src/cache.py#invalidate', 'src/helpers.py', 'tests/test_cache.py:1-20']) {
      t.same(await post.history(target, { repo: history.dir }), await lite.history(target, { repo: history.dir }), `history ${target}`);
    }
    t.same(await post.related('src/cache.py', { repo: history.dir }), await lite.related('src/cache.py', { repo: history.dir }), 'related');
    t.same(await post.changes({ repo: history.dir, since: '2000-01-01' }), await lite.changes({ repo: history.dir, since: '2000-01-01' }), 'changes');

    // The stores themselves: every view row, chunk, blame range, history counter.
    for (const root of roots) {
      const [ra, rb] = [(await lite.store.getRepo(root))!, (await post.store.getRepo(root))!];
      t.equal(rb.id, ra.id, 'repository ids in the same order');
      t.same(rb.indexedCommit, ra.indexedCommit);
      const [fa, fb] = [await lite.store.listFiles(ra.id), await post.store.listFiles(rb.id)];
      const strip = (m: Map<string, { parseId: number | null }>) => new Map([...m].map(([k, v]) => [k, { ...v, parseId: v.parseId === null ? null : 'set' }]));
      t.same(strip(fb), strip(fa), `files of ${root}`);
      t.same(await post.store.stats(rb.id), await lite.store.stats(ra.id));
      t.same(await post.store.historyStats(rb.id), await lite.store.historyStats(ra.id));
      for (const path of fa.keys()) {
        const chunks = (await lite.store.fileChunks(ra.id, path)).map(({ occurrenceId: _o, ...c }) => c);
        t.same(
          (await post.store.fileChunks(rb.id, path)).map(({ occurrenceId: _o, ...c }) => c),
          chunks,
          `chunks of ${path}`,
        );
        t.same(await post.store.fileBlame(rb.id, path), await lite.store.fileBlame(ra.id, path), `blame of ${path}`);
      }
    }

    // Semantic search: the built-in model trains on the same sample (hash order) on both.
    const [ea, eb] = [await lite.embedPending(), await post.embedPending()];
    t.equal(eb.embedded, ea.embedded, 'same chunks embedded');
    for (const q of ['cache eviction', 'load json configuration', 'http server']) {
      const [x, y] = [await lite.search(q, { mode: 'semantic' }), await post.search(q, { mode: 'semantic' })];
      t.same(
        y.map((h) => [h.path, h.startLine]),
        x.map((h) => [h.path, h.startLine]),
        `semantic ${q}`,
      );
    }
  });

  t.test('path globs compile to regular expressions PostgreSQL evaluates like JavaScript', async (t) => {
    const { store } = await postgres.open(t, 'globs');
    const pgStore = store as PostgresStore;
    const globs = [
      '*.py',
      'src/**',
      'src/*.ts',
      '**/test_*',
      'web/a/**/deep.js',
      '*.{ts,tsx}',
      'src/naïve dir/*',
      '!(*.md)',
      '**/*.[ch]',
      'a?c',
      '.env*',
      'cmd/**/main.go',
      '**',
    ];
    const paths = [
      'a.py',
      'src/x.py',
      'src/deep/y.ts',
      'src/x.ts',
      'tests/test_a.py',
      'test_b',
      'web/a/b/c/deep.js',
      'x.tsx',
      'src/naïve dir/façade helper.py',
      'README.md',
      'lib/a.c',
      'lib/a.h',
      'abc',
      'a/c',
      '.env.example',
      'cmd/server/main.go',
      '.hidden/x.py',
    ];
    let checked = 0;
    for (const glob of globs) {
      const re = globToRegex(glob);
      for (const p of paths) {
        const js = new RegExp(re).test(p);
        const r = await pgStore.db.one(
          (await import('../daemon/store/pg-db.js')).sql.type(
            (await import('zod')).z.object({ m: (await import('zod')).z.boolean() }),
          )`SELECT ${p} ~ ${re} AS m`,
        );
        if (r.m !== js) t.fail(`${glob} on ${p}: JavaScript ${js}, PostgreSQL ${r.m} (${re})`);
        checked++;
      }
    }
    t.pass(`${checked} glob/path pairs agree`);
    t.ok(picomatch, 'picomatch is what builds them');
  });

  t.test('several daemons on one database: repositories per machine, shared content, one indexer per repository', async (t) => {
    const url = pgSchemaUrl(asT(t), pg!.url, 'shared');
    const a = await PostgresStore.open({ url, machine: 'machine-a' });
    const b = await PostgresStore.open({ url, machine: 'machine-b' });
    const a2 = await PostgresStore.open({ url, machine: 'machine-a' });
    t.teardown(async () => {
      await a.close();
      await b.close();
      await a2.close();
    });
    const ra = await a.ensureRepo('/home/me/app', 'app');
    const rb = await b.ensureRepo('/home/me/app', 'app');
    t.not(ra.id, rb.id, 'the same path on two machines is two repositories');
    t.equal((await a2.getRepo('/home/me/app'))?.id, ra.id, 'the same machine finds its own');
    await a.writeFile(ra.id, write('a.py', 'b1'));
    const reuse = await b.findParse(contentKey('b1', 'python', 1));
    t.ok(reuse, 'content written by one daemon is found by the other');
    const out = await b.writeFile(rb.id, { ...write('a.py', 'b1'), content: { kind: 'reuse', parseId: reuse! } });
    t.equal(out.newChunks, 0, 'and never stored twice');
    t.same(
      (await a.listRepos()).map((r) => r.id),
      [ra.id],
      'each machine lists its repositories',
    );
    t.same(
      (await a.searchLexical({ match: match('json'), limit: 10 })).map((h) => h.repoId),
      [ra.id, ra.id],
      'a search without a repository sees this machine only',
    );
    t.same(
      (await b.searchLexical({ match: match('json'), limit: 10 })).map((h) => h.repoId),
      [rb.id, rb.id],
    );

    const lease = await a.repoLock.acquire('/home/me/app');
    t.ok(lease, 'first daemon takes the repository lock');
    t.equal(await a2.repoLock.acquire('/home/me/app'), null, 'a second daemon of the same machine cannot');
    const other = await b.repoLock.acquire('/home/me/app');
    t.ok(other, "another machine's repository of the same path is another lock");
    await other!.release();
    await lease!.release();
    const again = await a2.repoLock.acquire('/home/me/app');
    t.ok(again, 'released: the other daemon may index now');
    await again!.release();
  });

  t.test('two daemons writing the same content at once: stored once, no file lost', async (t) => {
    const url = pgSchemaUrl(asT(t), pg!.url, 'race');
    const a = await PostgresStore.open({ url, machine: 'machine-a' });
    const b = await PostgresStore.open({ url, machine: 'machine-b' });
    t.teardown(async () => {
      await a.close();
      await b.close();
    });
    const [ra, rb] = [await a.ensureRepo('/src/app', 'app'), await b.ensureRepo('/src/app', 'app')];
    // 60 files, 20 distinct contents (3 chunks each): both daemons write all of them, in opposite orders.
    const files = Array.from({ length: 60 }, (_, i) =>
      write(`f${i}.py`, `blob${i % 20}`, { ...parsed, chunks: parsed.chunks.map((c) => ({ ...c, text: `${c.text}  # ${i % 20}` })) }),
    );
    for (let round = 0; round < 3; round++) {
      const [oa, ob] = await Promise.all([a.writeFiles(ra.id, files), b.writeFiles(rb.id, [...files].reverse())]);
      t.same(
        [...oa, ...ob].filter((o) => o.error),
        [],
        `round ${round}: no file failed`,
      );
    }
    const { z } = await import('zod');
    const { sql } = await import('../daemon/store/pg-db.js');
    const n = async (table: string) => (await a.db.one(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM ${sql.identifier([table])}`)).n;
    t.equal(await n('parses'), 20, 'one parse per content');
    t.equal(await n('chunks'), 60, 'one row per chunk text');
    t.equal(await n('parse_chunks'), 60);
    const stats = await a.db.one(sql.type(z.object({ nrow: z.number() }))`SELECT nrow FROM lexical_stats`);
    t.equal(stats.nrow, 60, 'and the BM25 statistics count each lexical row once');
    t.equal((await a.listFiles(ra.id)).size, 60);
    t.equal((await b.listFiles(rb.id)).size, 60);
  });

  t.test('Engine.index refuses a repository another daemon is indexing (repo-busy)', async (t) => {
    const dir = tempDir(t);
    const repo = await buildFixture('basic', join(dir, 'basic'));
    const url = pgSchemaUrl(asT(t), pg!.url, 'busy');
    const engine = await Engine.open(
      loadConfig({
        ...process.env,
        CONTEXTD_DATA_DIR: join(dir, 'data'),
        CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
        CONTEXTD_WORKERS: '0',
        CONTEXTD_DATABASE_URL: url,
        CONTEXTD_MACHINE: 'm',
      }),
    );
    t.teardown(() => engine.close());
    const other = await PostgresStore.open({ url, machine: 'm' });
    t.teardown(() => other.close());
    const lease = (await other.repoLock.acquire(repo.dir))!;
    await t.rejects(engine.index(repo.dir), { code: 'repo-busy' });
    await lease.release();
    const summary = await engine.index(repo.dir);
    t.ok(summary.files > 5, 'indexes once the lock is free');
  });

  t.test('migrations: versioned, run once, a newer schema is refused', async (t) => {
    const url = pgSchemaUrl(asT(t), pg!.url, 'migrations');
    const first = await PostgresStore.open({ url, machine: 'm' });
    const { z } = await import('zod');
    const { sql } = await import('../daemon/store/pg-db.js');
    const { PG_MIGRATIONS } = await import('../daemon/store/postgres-schema.js');
    t.same(
      PG_MIGRATIONS.map((m) => m.version),
      PG_MIGRATIONS.map((_, i) => i + 1),
      'numbered 1..n',
    );
    const versions = await first.db.rows(sql.type(z.object({ version: z.number() }))`SELECT version FROM schema_migrations ORDER BY version`);
    t.same(
      versions.map((v) => v.version),
      PG_MIGRATIONS.map((m) => m.version),
      'every migration ran, once, in order',
    );
    await first.close();
    const [x, y] = await Promise.all([PostgresStore.open({ url, machine: 'm' }), PostgresStore.open({ url, machine: 'n' })]);
    t.pass('two daemons starting at once both open (one migrates, one waits)');
    await x.db.exec(sql.unsafe`INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')`);
    await x.close();
    await y.close();
    await t.rejects(PostgresStore.open({ url, machine: 'm' }), { code: 'store-too-new' });
  });

  t.test('a server that does not answer: one clear error with the fix', async (t) => {
    await t.rejects(PostgresStore.open({ url: 'postgres://nobody@127.0.0.1:1/none', machine: 'm', connectTimeoutMs: 1000 }), {
      code: 'store-open',
      message: /cannot reach PostgreSQL at postgres:\/\/nobody@127\.0\.0\.1:1\/none/,
      hint: /start PostgreSQL/,
    });
    const err = await PostgresStore.open({ url: 'postgres://u:secret@127.0.0.1:1/none', machine: 'm', connectTimeoutMs: 1000 }).catch((e: Error) => e);
    t.match((err as Error).message, /postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/none/, 'the password never shows');
    t.notMatch((err as Error).message, /secret/);
    t.throws(() => loadConfig({ ...process.env, CONTEXTD_DATABASE_URL: 'mysql://x' }), { code: 'bad-config' });
    const cfg = loadConfig({ ...process.env, CONTEXTD_DATABASE_URL: 'postgres://u@h/db', CONTEXTD_MACHINE: 'box-1' });
    t.match(cfg.store, { url: 'postgres://u@h/db', machine: 'box-1' });
  });
}
