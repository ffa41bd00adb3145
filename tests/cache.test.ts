import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { MemoryQueryCache } from '../daemon/cache/memory-cache.js';
import { RedisQueryCache, type RedisCacheOptions } from '../daemon/cache/redis-cache.js';
import { TaggedLru } from '../daemon/cache/lru.js';
import { cacheKey, stableStringify } from '../daemon/cache/keys.js';
import type { QueryCache } from '../daemon/cache/types.js';
import { backoffDelay, CircuitBreaker } from '../daemon/backends/backoff.js';
import { eventually } from './helpers/daemon.js';
import { killableRedis, redisForTest, uniquePrefix } from './helpers/services.js';
import { cleanupRedisPrefix } from './helpers/redis-cleanup.js';

/** A computation that counts its calls and returns a versioned value. */
function source(initial = 'v1') {
  const s = { value: initial, calls: 0, compute: async () => ({ answer: s.value, n: ++s.calls }) };
  return s;
}

async function get(cache: QueryCache, src: ReturnType<typeof source>, scopes = ['repo:1'], params: unknown = { q: 'x' }) {
  return cache.fetch('search', params, scopes, src.compute);
}

t.test('keys: stable over key order, different over generations', async (t) => {
  t.equal(stableStringify({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } }), '{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
  t.equal(cacheKey('s', { a: 1, b: 2 }, ['repo:1'], [0]), cacheKey('s', { b: 2, a: 1 }, ['repo:1'], [0]));
  t.not(cacheKey('s', { a: 1 }, ['repo:1'], [0]), cacheKey('s', { a: 1 }, ['repo:1'], [1]));
  t.not(cacheKey('s', { a: 1 }, ['repo:1'], [0]), cacheKey('symbols', { a: 1 }, ['repo:1'], [0]));
});

t.test('tagged LRU: recency, expiry, byte budget, drop by tag', async (t) => {
  let now = 0;
  const lru = new TaggedLru<string>({ maxEntries: 2, maxBytes: 100, now: () => now });
  lru.set('a', 'A', 1000, ['repo:1'], 10);
  lru.set('b', 'B', 1000, ['repo:2'], 10);
  t.equal(lru.get('a'), 'A', 'touch a');
  lru.set('c', 'C', 1000, ['repo:1'], 10);
  t.equal(lru.get('b'), undefined, 'b was least recently used');
  t.equal(lru.dropTag('repo:1'), 2);
  t.equal(lru.size, 0);
  lru.set('d', 'D', 50, [], 10);
  now = 60;
  t.equal(lru.get('d'), undefined, 'expired');
  lru.set('e', 'E', 1000, [], 80);
  lru.set('f', 'F', 1000, [], 80);
  t.equal(lru.size, 1, 'byte budget evicts');
  t.equal(lru.byteSize, 80);
});

t.test('backoff: jittered, growing, capped; breaker opens and half-opens', async (t) => {
  t.equal(backoffDelay(0, { baseMs: 100, random: () => 0 }), 50);
  t.equal(backoffDelay(3, { baseMs: 100, random: () => 0.999999 }), 800);
  t.equal(backoffDelay(20, { baseMs: 100, maxMs: 5000, random: () => 0.999999 }), 5000);
  let now = 0;
  const b = new CircuitBreaker({ baseMs: 1000, random: () => 1, now: () => now });
  t.equal(b.state, 'closed');
  await t.rejects(
    b.run('x', async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  t.equal(b.state, 'open');
  await t.rejects(
    b.run('x', async () => 1),
    /x is unavailable \(boom\)/,
    'open: fails fast',
  );
  now = 1001;
  t.equal(b.state, 'half-open');
  t.equal(await b.run('x', async () => 7), 7, 'a probe goes through');
  t.equal(b.state, 'closed');
});

t.test('memory cache: hit, copy on hit, bump invalidates at once', async (t) => {
  const cache = new MemoryQueryCache({ maxEntries: 100, ttlMs: 60_000 });
  const src = source();
  t.same((await get(cache, src)).hit, null);
  const hit = await get(cache, src);
  t.equal(hit.hit, 'memory');
  t.equal(src.calls, 1);
  (hit.value as { answer: string }).answer = 'mutated';
  t.equal(((await get(cache, src)).value as { answer: string }).answer, 'v1', 'a caller mutating its copy changes nothing');
  src.value = 'v2';
  cache.bump(['repo:1']);
  t.same((await get(cache, src)).value, { answer: 'v2', n: 2 }, 'no stale hit after a bump');
  cache.bump(['repo:2']);
  t.equal((await get(cache, src)).hit, 'memory', 'another scope leaves it alone');
  t.equal((await get(cache, src, ['repo:1', 'repo:2'])).hit, null, 'a different scope set is a different entry');
  t.equal(cache.stats().entries, 2);
});

t.test('a bump during a computation: the result is not served after the bump', async (t) => {
  const cache = new MemoryQueryCache({ maxEntries: 100, ttlMs: 60_000 });
  let value = 'old';
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = cache.fetch('search', {}, ['repo:1'], async () => {
    const seen = value;
    await gate;
    return seen;
  });
  value = 'new';
  cache.bump(['repo:1']);
  release();
  t.equal((await slow).value, 'old');
  t.equal((await cache.fetch('search', {}, ['repo:1'], async () => value)).value, 'new');
});

function redisCache(url: string, namespace: string, extra: Partial<RedisCacheOptions> = {}): RedisQueryCache {
  return new RedisQueryCache({
    url,
    namespace,
    ttlMs: 60_000,
    maxEntries: 100,
    timeoutMs: 300,
    connectWaitMs: 2000,
    retryBaseMs: 50,
    retryMaxMs: 300,
    ...extra,
  });
}

t.test('redis: shared entries between daemons, pub/sub invalidation, namespaces', async (t) => {
  const redis = await redisForTest(t);
  if (!redis) return;
  t.comment(`redis from ${redis.source}: ${redis.url}`);
  const ns = uniquePrefix('shared');
  const a = redisCache(redis.url, ns);
  const b = redisCache(redis.url, ns);
  const otherNs = uniquePrefix('other');
  const other = redisCache(redis.url, otherNs);
  cleanupRedisPrefix(t, redis.url, ns);
  cleanupRedisPrefix(t, redis.url, otherNs);
  t.teardown(async () => {
    await Promise.all([a.close(), b.close(), other.close()]);
  });
  const src = source();
  t.equal((await get(a, src)).hit, null, 'a computes');
  await eventually(async () => (await b.fetch('probe', {}, [], async () => 1)) && true, 2000);
  await a.settled(); // the SET is not awaited by the answer
  const fromB = await get(b, src);
  t.equal(fromB.hit, 'redis', 'b is answered from Redis');
  t.equal(src.calls, 1);
  t.equal((await get(b, src)).hit, 'memory', 'then from its own memory');
  t.equal((await get(other, src)).hit, null, 'another store namespace shares nothing');

  src.value = 'v2';
  a.bump(['repo:1']);
  await a.settled();
  await eventually(async () => b.stats().remoteBumps > 0, 3000);
  t.equal(b.stats().remoteBumps, 1, 'b heard the bump');
  const after = await get(b, src);
  t.equal(after.hit, null, 'b misses after a bump by a');
  t.equal((after.value as { answer: string }).answer, 'v2', 'and computes the fresh answer');
  await b.settled();
  t.equal((await get(a, src)).hit, 'redis', "a now shares b's fresh entry");

  // Bumps that have not reached Redis yet keep this daemon off the shared layer for that scope.
  t.equal(a.report().state, 'ok');
  t.match((await a.probe()).version, /^\d+\.\d+/, 'probe reads the server version');
});

t.test('redis down at start: no error, memory fallback, fast', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  // A connect wait longer than this test's timeout: answering at all shows that the refused
  // connection, not the wait, ended it (no clock is read here).
  const cache = redisCache(`redis://127.0.0.1:${port}`, uniquePrefix('down'), { connectWaitMs: 600_000 });
  t.teardown(() => cache.close());
  const src = source();
  t.equal((await get(cache, src)).hit, null);
  t.equal((await get(cache, src)).hit, 'memory', 'falls back to memory');
  const r = cache.report();
  t.equal(r.state, 'down');
  t.match(r.detail, /in-memory cache/);
  t.match(r.fix, /start Redis/);
  cache.bump(['repo:1']);
  src.value = 'v2';
  t.equal(((await get(cache, src)).value as { answer: string }).answer, 'v2', 'bumps still work locally');
});

t.test('redis that hangs (SIGSTOP): every call bounded by the timeout', async (t) => {
  const redis = await killableRedis(t);
  if (!redis) return;
  const cache = redisCache(redis.url, uniquePrefix('hang'), { timeoutMs: 200 });
  t.teardown(() => cache.close());
  const src = source();
  await get(cache, src);
  const serverPid = redis.pid();
  if (!serverPid) {
    t.fail('no redis-server pid');
    return;
  }
  process.kill(serverPid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(serverPid, 'SIGCONT');
    } catch {
      /* gone */
    }
  });
  // A lookup on the shared layer: MGET hangs until the command timeout, then it is a miss
  // (a stall would show as this test's timeout).
  const errorsBefore = cache.stats().errors;
  const r = await get(cache, src, ['repo:9'], { q: 'other' });
  t.equal(r.hit, null);
  t.ok(cache.stats().errors > errorsBefore, 'the hanging command ended as a timed-out error');
  // A bump while it hangs: this process misses at once, the propagation gives up after the timeout.
  src.value = 'v2';
  cache.bump(['repo:1']);
  t.equal(((await get(cache, src)).value as { answer: string }).answer, 'v2', 'no stale answer after a local bump');
  await cache.settled();
  t.match(cache.report().detail, /queued/, 'the propagation gave up at the timeout (queued for later)');
  const skipsBefore = cache.stats().sharedSkips;
  const errorsNow = cache.stats().errors;
  await get(cache, src, ['repo:9'], { q: 'third' });
  t.equal(cache.stats().sharedSkips, skipsBefore + 1, 'while it hangs, later lookups skip the shared layer (breaker open)');
  t.equal(cache.stats().errors, errorsNow, 'and send it nothing to time out');
  t.equal(cache.report().state, 'down');
  process.kill(serverPid, 'SIGCONT');
  // Recovery: a later lookup probes it, succeeds, and the queued invalidation is pushed.
  await eventually(
    async () => {
      await get(cache, src, ['repo:9'], { q: `probe-${Date.now()}` });
      return cache.report().state === 'ok';
    },
    10_000,
    100,
  );
  t.equal(cache.report().state, 'ok', 'recovered when the server answered again');
  await cache.settled();
  t.notMatch(cache.report().detail, /queued/);
});

t.test('redis killed mid-use and restarted: reconnects, queued bumps pushed, nothing stale', async (t) => {
  const redis = await killableRedis(t);
  if (!redis) return;
  const ns = uniquePrefix('fault');
  const a = redisCache(redis.url, ns);
  const b = redisCache(redis.url, ns);
  t.teardown(async () => {
    await Promise.all([a.close(), b.close()]);
  });
  const src = source();
  await get(a, src);
  await a.settled();
  t.equal((await get(b, src)).hit, 'redis');

  redis.kill();
  await eventually(async () => a.report().state === 'down' && b.report().state === 'down', 5000);
  t.equal(a.report().state, 'down', 'a sees Redis down');
  // A write happens on a while Redis is down.
  src.value = 'v2';
  a.bump(['repo:1']);
  t.equal(((await get(a, src)).value as { answer: string }).answer, 'v2', 'a never serves its stale entry');
  t.equal(((await get(b, src)).value as { answer: string }).answer, 'v2', 'b dropped its memory when the channel went down');
  t.equal(a.report().detail.includes('queued'), true, 'status says an invalidation is queued');

  await redis.start();
  await eventually(async () => a.report().state === 'ok' && b.report().state === 'ok', 10_000);
  t.equal(a.report().state, 'ok', 'a reconnected');
  t.equal(b.report().state, 'ok', 'b reconnected');
  await a.settled();
  src.value = 'v3';
  a.bump(['repo:1']);
  await a.settled();
  await eventually(async () => b.stats().remoteBumps > 0, 3000);
  t.equal(((await get(b, src)).value as { answer: string }).answer, 'v3', 'invalidation flows again after reconnection');
  t.ok((a.stats() as { reconnects: number }).reconnects >= 1);
});

t.test('a server that accepts and never answers does not stall fetches', async (t) => {
  const sockets: Socket[] = [];
  const srv = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    sockets.forEach((s) => s.destroy());
    srv.close();
  });
  // The connect wait outlasts this test's timeout: the connect timeout must end it.
  const cache = redisCache(`redis://127.0.0.1:${(srv.address() as { port: number }).port}`, uniquePrefix('mute'), { connectWaitMs: 600_000, timeoutMs: 200 });
  t.teardown(() => cache.close());
  const src = source();
  t.equal((await get(cache, src)).hit, null);
  t.equal((await get(cache, src)).hit, 'memory');
  t.equal(cache.report().state, 'down');
});
