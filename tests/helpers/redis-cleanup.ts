/** Removes a test's keys from a shared Redis (entries expire by themselves; generations do not). */
import { Redis } from 'ioredis';

export function cleanupRedisPrefix(t: { teardown: (fn: () => Promise<void>) => void }, url: string, prefix: string): void {
  t.teardown(async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length) await r.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch {
      // the server is gone (a killed throwaway): nothing to clean
    } finally {
      r.disconnect();
    }
  });
}
