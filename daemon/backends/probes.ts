/**
 * Live probes of the network backends, independent of a running engine (so
 * `contextd doctor` can check a service even when another one is broken).
 * Each answers one BackendReport: reachable, version, latency, the model
 * present, and on failure one line saying what is wrong and one saying the fix.
 */
import { Ollama } from 'ollama';
import { QdrantClient } from '@qdrant/js-client-rest';
import { redactUrl, withTimeout } from './backoff.js';
import type { BackendReport } from './health.js';
import { qdrantError } from '../vectors/qdrant-vector-index.js';
import { RedisQueryCache } from '../cache/redis-cache.js';

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

export async function probeRedis(url: string, timeoutMs: number): Promise<BackendReport> {
  const cache = new RedisQueryCache({
    url,
    namespace: 'contextd:doctor',
    ttlMs: 1000,
    maxEntries: 1,
    timeoutMs,
    connectWaitMs: timeoutMs,
    retryBaseMs: 60_000,
  });
  try {
    const r = await cache.probe(timeoutMs);
    if (r.state === 'down') {
      const why = r.detail.replace(/; using the in-memory cache.*$/, '');
      return {
        ...r,
        detail: `${why}: the shared cache is off (each daemon caches in its own memory)`,
        fix: `start Redis at ${redactUrl(url)}, or fix/unset CONTEXTD_REDIS_URL ([cache] redis)`,
      };
    }
    return { ...r, detail: r.state === 'ok' ? 'reachable; shared query cache and invalidation channel on' : r.detail };
  } finally {
    await cache.close();
  }
}

export async function probeQdrant(url: string, apiKey: string | null, timeoutMs: number): Promise<BackendReport> {
  const base: BackendReport = { name: 'vectors', kind: 'qdrant', state: 'ok', configured: true, url: redactUrl(url), detail: '' };
  const client = new QdrantClient({ url, apiKey: apiKey ?? undefined, checkCompatibility: false, timeout: timeoutMs });
  try {
    const t0 = performance.now();
    const info = await client.versionInfo();
    const latencyMs = ms(t0);
    const { collections } = await client.getCollections();
    const ours = collections.filter((c) => c.name.startsWith('contextd_') || c.name.includes('_'));
    return {
      ...base,
      version: info.version ?? null,
      latencyMs,
      detail: `reachable; ${collections.length} collection(s)${ours.length ? '' : ' (none of ours yet: created on the first embedding)'}`,
    };
  } catch (err) {
    const status = (err as { status?: number })?.status;
    return {
      ...base,
      state: 'down',
      detail: `${qdrantError(err)}: semantic search is off (lexical, symbol and history search still answer)`,
      fix:
        status === 401 || status === 403
          ? 'set its API key: CONTEXTD_QDRANT_API_KEY or [qdrant] apiKey'
          : `start Qdrant at ${redactUrl(url)} (e.g. docker run -p 6333:6333 qdrant/qdrant), or unset CONTEXTD_QDRANT_URL to use the embedded index`,
    };
  }
}

/** Does `available` (Ollama's names, e.g. `nomic-embed-text:latest`) hold `model`? */
export function hasModel(available: string[], model: string): boolean {
  const want = model.includes(':') ? model : `${model}:latest`;
  return available.some((n) => n === model || n === want);
}

export interface OllamaProbeTarget {
  /** The concern: embedder (semantic search) or llm (ask). */
  name: 'embedder' | 'llm';
  model: string;
  configured: boolean;
  /** What works without it, for the failure line. */
  without: string;
  /** Config keys that pick the model. */
  modelSetting: string;
}

export async function probeOllama(host: string, targets: OllamaProbeTarget[], timeoutMs: number, fetchImpl?: typeof fetch): Promise<BackendReport[]> {
  const client = new Ollama({
    host,
    fetch: ((u: string | URL | Request, init?: RequestInit) => (fetchImpl ?? fetch)(u, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as typeof fetch,
  });
  let version: string | null = null;
  let latencyMs: number | null = null;
  let names: string[] = [];
  let error: string | null = null;
  try {
    const t0 = performance.now();
    version = (await withTimeout(client.version(), timeoutMs, 'ollama')).version ?? null;
    latencyMs = ms(t0);
    names = (await withTimeout(client.list(), timeoutMs, 'ollama')).models.map((m) => m.name);
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    error = e?.cause?.code
      ? `cannot reach Ollama (${e.cause.code})`
      : e?.name === 'TimeoutError' || /abort|timed? ?out/i.test(e?.message ?? '')
        ? 'Ollama did not answer in time'
        : (e?.message ?? String(err));
  }
  return targets.map((t): BackendReport => {
    const base: BackendReport = { name: t.name, kind: 'ollama', state: 'ok', configured: t.configured, url: redactUrl(host), version, latencyMs, detail: '' };
    if (error) {
      return {
        ...base,
        state: t.configured ? 'down' : 'off',
        detail: `${error} at ${redactUrl(host)}: ${t.without}`,
        fix: `start Ollama (\`ollama serve\`) and \`ollama pull ${t.model}\`, or set CONTEXTD_OLLAMA_HOST to where it runs`,
      };
    }
    if (!hasModel(names, t.model)) {
      return {
        ...base,
        state: t.configured ? 'down' : 'off',
        detail: `model ${t.model} is not pulled (${names.length ? `have: ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}` : 'no models'}): ${t.without}`,
        fix: `run: ollama pull ${t.model}   (or choose another: ${t.modelSetting})`,
      };
    }
    return { ...base, detail: `model ${t.model} present` };
  });
}
