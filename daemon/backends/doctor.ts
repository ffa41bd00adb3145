/**
 * `contextd doctor`: checks every configured service on its own (one broken
 * service never hides the state of another): the store (opens it, reads,
 * version, latency), Redis, Qdrant and Ollama (reachable, version, latency, the
 * configured models pulled). Each failure comes with one line saying what is
 * wrong and one saying how to fix it. `ok` is false when something the user
 * configured is down; what is merely not configured is reported as `off`.
 */
import type { ContextdConfig } from '../config/config.js';
import { Engine, ollamaTargets } from '../engine.js';
import { errorMessage, isContextdError } from '../errors.js';
import { redactUrl, withTimeout } from './backoff.js';
import type { BackendReport } from './health.js';
import { probeOllama, probeQdrant, probeRedis } from './probes.js';

export interface DoctorReport {
  ok: boolean;
  checks: BackendReport[];
}

interface StoreHealthLike {
  healthy: boolean;
  version: string | null;
  latencyMs: number | null;
  error?: string;
  hint?: string;
}

export async function probeStore(config: ContextdConfig, timeoutMs: number): Promise<BackendReport> {
  const url = (config as { store?: { url?: string | null } }).store?.url ?? null;
  const base: BackendReport = {
    name: 'store',
    kind: url ? 'postgres' : 'sqlite',
    state: 'ok',
    configured: !!url,
    url: url ? redactUrl(url) : config.paths.dataDir,
    detail: '',
  };
  try {
    // Only the store is used here; the cache and vector clients the engine makes stay idle.
    const quiet: ContextdConfig = { ...config, cache: { ...config.cache, redis: null }, qdrant: { ...config.qdrant, url: null } };
    const engine = await withTimeout(Engine.open(quiet), timeoutMs * 3, 'the store');
    try {
      const t0 = performance.now();
      const repos = await withTimeout(engine.repos.listRepos(), timeoutMs, 'the store');
      const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
      const h: StoreHealthLike | null = await withTimeout(engine.storeHealth(), timeoutMs, 'the store');
      const store = engine.storeInfo;
      if (h && !h.healthy) return { ...base, state: 'down', version: h.version, detail: h.error ?? 'unhealthy', fix: h.hint };
      return {
        ...base,
        url: store.location ? (url ? redactUrl(store.location) : store.location) : base.url,
        version: h?.version ?? null,
        latencyMs: h?.latencyMs ?? latencyMs,
        detail: `${repos.length} repositor${repos.length === 1 ? 'y' : 'ies'} indexed`,
      };
    } finally {
      await engine.close().catch(() => {});
    }
  } catch (err) {
    return {
      ...base,
      state: 'down',
      detail: `cannot open the store: ${errorMessage(err)}`,
      fix:
        isContextdError(err) && err.hint
          ? err.hint
          : url
            ? 'check that PostgreSQL runs and CONTEXTD_DATABASE_URL ([store] url) is right'
            : `check that ${config.paths.dataDir} is writable`,
    };
  }
}

export async function runDoctor(config: ContextdConfig, timeoutMs = 3000): Promise<DoctorReport> {
  const checks = await Promise.all([
    probeStore(config, timeoutMs),
    config.cache.redis
      ? probeRedis(config.cache.redis, timeoutMs)
      : Promise.resolve<BackendReport>({
          name: 'cache',
          kind: 'memory',
          state: 'ok',
          configured: false,
          detail: (config as { store?: { url?: string | null } }).store?.url
            ? "in-process LRU: daemons sharing this PostgreSQL see each other's writes in their caches only when an index run ends (or after [cache] ttlSeconds); set CONTEXTD_REDIS_URL to invalidate at once"
            : 'in-process LRU (set CONTEXTD_REDIS_URL to share a cache between daemons)',
        }),
    config.qdrant.url
      ? probeQdrant(config.qdrant.url, config.qdrant.apiKey, timeoutMs)
      : Promise.resolve<BackendReport>({
          name: 'vectors',
          kind: 'usearch',
          state: 'ok',
          configured: false,
          detail: 'embedded vector index under the data directory (set CONTEXTD_QDRANT_URL for Qdrant)',
        }),
    ...ollamaTargets(config).map(({ host, targets }) => probeOllama(host, targets, timeoutMs)),
  ]);
  const flat = checks.flat();
  if (config.embed.provider !== 'ollama') {
    flat.splice(3, 0, {
      name: 'embedder',
      kind: config.embed.provider,
      state: config.embed.provider === 'off' ? 'off' : 'ok',
      configured: false,
      detail: config.embed.provider === 'off' ? 'semantic search is off ([embed] provider = off)' : 'built-in static code model (shipped weights; no network)',
    });
  }
  return { ok: !flat.some((c) => c.configured && c.state === 'down'), checks: flat };
}
