import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { tempDir } from './helpers/cli.js';
import { eventually } from './helpers/daemon.js';
import { killableRedis, redisForTest, uniquePrefix } from './helpers/services.js';
import { cleanupRedisPrefix } from './helpers/redis-cleanup.js';

function env(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    CONTEXTD_DATA_DIR: join(dir, 'data'),
    CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
    CONTEXTD_EMBEDDER: 'off',
    CONTEXTD_HISTORY: 'off',
    CONTEXTD_WORKERS: '0',
    ...extra,
  };
  for (const k of Object.keys(extra)) if (extra[k] === undefined) delete e[k];
  return e;
}

const paths = (hits: { path: string; startLine: number }[]) => hits.map((h) => `${h.path}:${h.startLine}`);

function commit(root: string, file: string, content: string, subject: string): void {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), content);
  fixtureGit(root, ['add', '--', file]);
  fixtureGit(root, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', subject]);
}

t.test('memory cache: hits, and no stale hit after a commit, also from another process writing the same store', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'repo');
  await buildFixture('basic', root);
  const a = await Engine.open(loadConfig(env(dir, { CONTEXTD_REDIS_URL: undefined })));
  const b = await Engine.open(loadConfig(env(dir, { CONTEXTD_REDIS_URL: undefined })));
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  t.equal(a.cache.backend, 'memory');
  await a.index(root);
  const first = await a.search('parseJsonConfig', { repo: root });
  t.ok(first.length > 0);
  const again = await a.search('parseJsonConfig', { repo: root });
  t.same(paths(again), paths(first));
  t.equal(a.cache.stats().hits, 1, 'the second search is a hit');
  const sym = await a.symbols('parseJsonConfig', { repo: root });
  await a.symbols('parseJsonConfig', { repo: root });
  t.equal(a.cache.stats().hits, 2, 'symbols are cached too');
  t.ok(sym.length > 0);
  await b.search('parseJsonConfig', { repo: root });

  commit(
    root,
    'src/strict_config.ts',
    'export function parseJsonConfigStrict(text: string): unknown {\n  return JSON.parse(text);\n}\n',
    'Add strict config parsing',
  );
  // b (another engine on the same database, like the CLI next to the daemon) writes.
  await b.index(root);
  const afterA = await a.search('parseJsonConfig', { repo: root });
  t.ok(
    paths(afterA).some((p) => p.startsWith('src/strict_config.ts')),
    "a sees b's write: no stale hit",
  );
  const symA = await a.symbols('parseJsonConfigStrict', { repo: root });
  t.equal(symA[0]?.name, 'parseJsonConfigStrict');
  const afterB = await b.search('parseJsonConfig', { repo: root });
  t.same(paths(afterB), paths(afterA));
});

t.test('redis cache: daemons sharing a store share answers and never serve stale ones', async (t) => {
  const redis = await redisForTest(t);
  if (!redis) return;
  const dir = tempDir(t);
  const root = join(dir, 'repo');
  await buildFixture('basic', root);
  const prefix = uniquePrefix('engine');
  cleanupRedisPrefix(t, redis.url, prefix);
  const e = env(dir, { CONTEXTD_REDIS_URL: redis.url, CONTEXTD_REDIS_PREFIX: prefix });
  const a = await Engine.open(loadConfig(e));
  const b = await Engine.open(loadConfig(e));
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  t.equal(a.cache.backend, 'redis');
  t.equal(a.storeId, b.storeId, 'same store, same namespace');
  await a.index(root);
  await a.cache.settled();
  const fromA = await a.search('parseJsonConfig', { repo: root });
  await a.cache.settled();
  const fromB = await b.search('parseJsonConfig', { repo: root });
  t.same(paths(fromB), paths(fromA));
  t.equal(b.cache.stats().sharedHits, 1, 'b answered from Redis');

  commit(
    root,
    'src/strict_config.ts',
    'export function parseJsonConfigStrict(text: string): unknown {\n  return JSON.parse(text);\n}\n',
    'Add strict config parsing',
  );
  await a.index(root);
  await a.cache.settled();
  const bAfter = await b.search('parseJsonConfig', { repo: root });
  t.ok(
    paths(bAfter).some((p) => p.startsWith('src/strict_config.ts')),
    "b sees a's commit at once",
  );
  t.ok(b.cache.stats().remoteBumps > 0, 'through pub/sub');
});

t.test('redis killed mid-index and brought back: index completes, answers fresh, cache reconnects', async (t) => {
  const redis = await killableRedis(t);
  if (!redis) return;
  const dir = tempDir(t);
  const root = join(dir, 'repo');
  await buildFixture('basic', root);
  // Enough files that the index run lasts a while.
  for (let i = 0; i < 150; i++) {
    mkdirSync(join(root, 'gen'), { recursive: true });
    writeFileSync(join(root, 'gen', `mod${i}.py`), `def handler_${i}(request):\n    """Handle request ${i}."""\n    return request.value * ${i}\n`);
  }
  fixtureGit(root, ['add', '--', 'gen']);
  fixtureGit(root, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'generated handlers']);
  const prefix = uniquePrefix('fault');
  const e = env(dir, { CONTEXTD_REDIS_URL: redis.url, CONTEXTD_REDIS_PREFIX: prefix });
  const a = await Engine.open(loadConfig(e));
  const b = await Engine.open(loadConfig(e));
  const plain = await Engine.open(loadConfig(env(dir, { CONTEXTD_REDIS_URL: undefined })));
  t.teardown(async () => {
    await a.close();
    await b.close();
    await plain.close();
  });
  await b.search('handler', {}).catch(() => []); // b caches "nothing indexed" answers

  let killed = false;
  const run = a.index(root, {
    onProgress: (p) => {
      if (!killed && p.done > 10) {
        killed = true;
        redis.kill();
      }
    },
  });
  const summary = await run;
  t.ok(killed, 'Redis was killed during the run');
  t.ok(summary.files >= 150, 'the index run finished');
  const truth = paths(await plain.search('handler request', { repo: root, limit: 20 }));
  t.same(paths(await b.search('handler request', { repo: root, limit: 20 })), truth, 'b answers fresh while Redis is down');
  t.same(paths(await a.search('handler request', { repo: root, limit: 20 })), truth, 'a too');
  t.equal(a.cache.report().state, 'down');

  await redis.start();
  await eventually(async () => a.cache.report().state === 'ok' && b.cache.report().state === 'ok', 10_000);
  t.equal(a.cache.report().state, 'ok', 'reconnected');
  await a.cache.settled();
  commit(root, 'gen/extra.py', 'def handler_extra(request):\n    return request\n', 'extra handler');
  await a.index(root);
  await a.cache.settled();
  const truth2 = paths(await plain.search('handler request', { repo: root, limit: 20 }));
  t.same(paths(await b.search('handler request', { repo: root, limit: 20 })), truth2, 'after reconnection, fresh again');
});
