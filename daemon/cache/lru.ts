/**
 * A small LRU map with per-entry expiry and tags. A tag names what an entry was
 * computed from (e.g. `repo:3`); `dropTag` removes every entry that depends on
 * it in one call, which is how a view change (or another daemon's pub/sub
 * message) frees stale entries at once instead of waiting for them to age out.
 */
interface Entry<V> {
  value: V;
  expiresAt: number;
  tags: readonly string[];
  size: number;
}

export interface LruOptions {
  maxEntries: number;
  /** Rough byte budget over `size` of the entries (0: no limit). */
  maxBytes?: number;
  now?: () => number;
}

export class TaggedLru<V> {
  private readonly map = new Map<string, Entry<V>>();
  private readonly byTag = new Map<string, Set<string>>();
  private bytes = 0;

  constructor(private readonly opts: LruOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get size(): number {
    return this.map.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.delete(key);
      return undefined;
    }
    // Most recently used goes to the end.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, ttlMs: number, tags: readonly string[] = [], size = 0): void {
    if (this.opts.maxEntries <= 0) return;
    this.delete(key);
    this.map.set(key, { value, expiresAt: this.now() + ttlMs, tags, size });
    this.bytes += size;
    for (const t of tags) {
      let s = this.byTag.get(t);
      if (!s) this.byTag.set(t, (s = new Set()));
      s.add(key);
    }
    const maxBytes = this.opts.maxBytes ?? 0;
    while (this.map.size > this.opts.maxEntries || (maxBytes > 0 && this.bytes > maxBytes && this.map.size > 1)) {
      const oldest = this.map.keys().next().value as string;
      this.delete(oldest);
    }
  }

  delete(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return false;
    this.map.delete(key);
    this.bytes -= e.size;
    for (const t of e.tags) {
      const s = this.byTag.get(t);
      s?.delete(key);
      if (s && !s.size) this.byTag.delete(t);
    }
    return true;
  }

  /** Removes every entry carrying `tag`; returns how many. */
  dropTag(tag: string): number {
    const keys = this.byTag.get(tag);
    if (!keys) return 0;
    let n = 0;
    for (const k of [...keys]) if (this.delete(k)) n++;
    return n;
  }

  clear(): void {
    this.map.clear();
    this.byTag.clear();
    this.bytes = 0;
  }
}
