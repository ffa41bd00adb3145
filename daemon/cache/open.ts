/** Picks the query cache backend from the configuration. */
import type { CacheConfig } from '../config/config.js';
import { MemoryQueryCache } from './memory-cache.js';
import type { RedisCacheOptions } from './redis-cache.js';
import type { QueryCache } from './types.js';

/**
 * The configured cache. `namespace` identifies the store (daemons share Redis
 * entries only when they share a store). Never throws for an unreachable Redis:
 * the Redis cache starts in its in-memory fallback and connects in the background.
 */
export async function openQueryCache(config: CacheConfig, namespace: string, extra: Partial<RedisCacheOptions> = {}): Promise<QueryCache> {
  const common = { maxEntries: config.maxEntries, maxBytes: config.maxMegabytes * 1024 * 1024, ttlMs: config.ttlSeconds * 1000 };
  if (!config.redis) return new MemoryQueryCache(common);
  // ioredis is loaded only when Redis is configured.
  const { RedisQueryCache } = await import('./redis-cache.js');
  return new RedisQueryCache({ ...common, url: config.redis, namespace: `${config.keyPrefix}:${namespace}`, timeoutMs: config.timeoutMs, ...extra });
}
