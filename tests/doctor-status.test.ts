import t from 'tap';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import type { DoctorReport } from '../daemon/backends/doctor.js';
import type { DaemonStatus } from '../daemon/server/status.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';
import { startFakeOllama } from './helpers/fake-ollama.js';
import { startFakeQdrant } from './helpers/fake-qdrant.js';
import { freePort, killableRedis, uniquePrefix } from './helpers/services.js';

t.test('contextd doctor: every configured service checked, failures explained with their fix', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const redis = await killableRedis(t);
  if (!redis) return;
  const qdrant = await startFakeQdrant({ version: '1.13.4' });
  const ollama = await startFakeOllama({ models: ['qwen2.5-coder:7b', 'nomic-embed-text:latest'] });
  t.teardown(async () => {
    await qdrant.close();
    await ollama.close();
  });
  const good = {
    ...env,
    CONTEXTD_REDIS_URL: redis.url,
    CONTEXTD_REDIS_PREFIX: uniquePrefix('doctor'),
    CONTEXTD_QDRANT_URL: qdrant.url,
    CONTEXTD_OLLAMA_HOST: ollama.url,
    CONTEXTD_EMBEDDER: 'ollama',
    CONTEXTD_ASK_MODEL: 'qwen2.5-coder:7b',
  };
  const ok = await runCli(['doctor', '--json'], { env: good });
  t.equal(ok.code, 0, ok.stderr);
  const report = JSON.parse(ok.stdout) as DoctorReport;
  t.equal(report.ok, true);
  const by = (n: string) => report.checks.find((c) => c.name === n)!;
  t.match(by('store'), { kind: 'sqlite', state: 'ok', version: /SQLite/ });
  t.match(by('cache'), { kind: 'redis', state: 'ok', configured: true, version: /^\d+\.\d+/ });
  t.ok(typeof by('cache').latencyMs === 'number');
  t.match(by('vectors'), { kind: 'qdrant', state: 'ok', version: '1.13.4' });
  t.match(by('embedder'), { kind: 'ollama', state: 'ok', detail: 'model nomic-embed-text present' });
  t.match(by('llm'), { kind: 'ollama', state: 'ok', detail: 'model qwen2.5-coder:7b present', version: '0.6.2' });

  // Broken: Redis down, Qdrant down, the ask model not pulled.
  redis.kill();
  await qdrant.down();
  ollama.models = ['nomic-embed-text:latest'];
  const bad = await runCli(['doctor'], { env: good, timeoutMs: 30_000 });
  t.equal(bad.code, 1, 'exit 1 when something configured is broken');
  t.match(bad.stdout, /FAIL\s+cache\s+redis[^\n]*\n\s+cannot reach Redis|FAIL\s+cache\s+redis[^\n]*\n\s+unreachable/);
  t.match(bad.stdout, /fix: start Redis at redis:\/\/127\.0\.0\.1:\d+/);
  t.match(bad.stdout, /FAIL\s+vectors\s+qdrant[^\n]*\n\s+cannot reach Qdrant \(ECONNREFUSED\): semantic search is off/);
  t.match(bad.stdout, /fix: start Qdrant at http:\/\/127\.0\.0\.1:\d+/);
  t.match(bad.stdout, /FAIL\s+llm\s+ollama[^\n]*\n\s+model qwen2\.5-coder:7b is not pulled[^\n]*\n\s+fix: run: ollama pull qwen2\.5-coder:7b/);
  t.match(bad.stdout, /something configured is broken/);

  // Nothing configured: the embedded defaults are fine; Ollama absent is "off", not a failure.
  const port = await freePort();
  const plain = await runCli(['doctor', '--json'], {
    env: { ...env, CONTEXTD_OLLAMA_HOST: undefined, CONTEXTD_REDIS_URL: undefined, CONTEXTD_QDRANT_URL: undefined } as NodeJS.ProcessEnv,
  });
  t.equal(plain.code, 0, plain.stderr);
  const p = JSON.parse(plain.stdout) as DoctorReport;
  t.match(
    p.checks.find((c) => c.name === 'cache'),
    { kind: 'memory', state: 'ok', configured: false },
  );
  t.match(
    p.checks.find((c) => c.name === 'vectors'),
    { kind: 'usearch', state: 'ok' },
  );
  t.match(
    p.checks.find((c) => c.name === 'embedder'),
    { kind: 'builtin', state: 'ok' },
  );
  void port;
  const help = await runCli(['doctor', '--help'], { env });
  t.match(help.stdout, /Exit status: 0 when everything configured works/);
});

t.test('contextd status shows each backend with version, latency and health; a dead Redis degrades, search goes on', async (t) => {
  const dir = tempDir(t);
  const { env: base } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'repo');
  await buildFixture('basic', repo);
  const redis = await killableRedis(t);
  if (!redis) return;
  const qdrant = await startFakeQdrant({ version: '1.13.4' });
  const ollama = await startFakeOllama();
  t.teardown(async () => {
    await qdrant.close();
    await ollama.close();
  });
  const env = {
    ...base,
    CONTEXTD_REDIS_URL: redis.url,
    CONTEXTD_REDIS_PREFIX: uniquePrefix('status'),
    CONTEXTD_QDRANT_URL: qdrant.url,
    CONTEXTD_OLLAMA_HOST: ollama.url,
  };
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });
  await eventually(async () => qdrant.collections.size > 0, 20_000);

  const status = await daemon.call<DaemonStatus>('status');
  const by = (s: DaemonStatus, n: string) => s.backends.find((b) => b.name === n)!;
  t.match(by(status, 'cache'), { kind: 'redis', state: 'ok', healthy: true, version: /^\d+\.\d+/ });
  t.match(by(status, 'vectors'), { kind: 'qdrant', state: /ok|degraded/, version: '1.13.4' });
  t.match(by(status, 'llm'), { kind: 'ollama', state: 'ok', version: '0.6.2' });
  t.ok(typeof by(status, 'cache').latencyMs === 'number', 'latency shown');
  t.equal(status.healthy, true);
  const human = await runCli(['status'], { env });
  t.match(human.stdout, /cache {4}ok redis redis:\/\/127\.0\.0\.1:\d+ · v\d+\.\d+\.\d+ · [\d.]+ ms/);
  t.match(human.stdout, /vectors {2}(ok|degraded) qdrant http:\/\/127\.0\.0\.1:\d+ · v1\.13\.4/);

  redis.kill();
  await eventually(async () => by(await daemon.call<DaemonStatus>('status'), 'cache').state === 'down', 10_000);
  const down = await daemon.call<DaemonStatus>('status');
  t.match(by(down, 'cache'), { state: 'down', healthy: false, detail: /using the in-memory cache/, fix: /start Redis/ });
  t.equal(down.healthy, false, 'a configured backend down: degraded');
  const degraded = await runCli(['status'], { env });
  t.equal(degraded.code, 1);
  t.match(degraded.stdout, /contextd degraded/);
  t.match(degraded.stdout, /fix: start Redis/);

  await redis.start();
  await eventually(async () => by(await daemon.call<DaemonStatus>('status'), 'cache').state === 'ok', 15_000);
  t.equal(by(await daemon.call<DaemonStatus>('status'), 'cache').state, 'ok', 'reconnected by itself');
});
