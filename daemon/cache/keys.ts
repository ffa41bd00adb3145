/** Cache keys: a stable hash of what was asked and the generations it was answered at. */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal parameters give equal keys whatever their construction order. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort()) out[k] = (v as Record<string, unknown>)[k];
      return out;
    }
    return v;
  });
}

/** sha1 over (kind, params, scopes with their generations), hex. */
export function cacheKey(kind: string, params: unknown, scopes: readonly string[], gens: readonly (number | string)[]): string {
  const h = createHash('sha1');
  h.update(kind);
  h.update('\0');
  h.update(stableStringify(params));
  h.update('\0');
  scopes.forEach((s, i) => h.update(`${s}=${gens[i]};`));
  return h.digest('hex');
}

/** A short, stable id for a store (what daemons must share to share cache entries and vector collections). */
export function storeNamespace(identity: string): string {
  return createHash('sha1').update(identity).digest('hex').slice(0, 12);
}
