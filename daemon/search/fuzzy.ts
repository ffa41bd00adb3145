/**
 * Fuzzy symbol-name matching in tiers: exact > case-insensitive exact > prefix >
 * camel/snake-case initials > substring > subsequence. Pure functions, so the
 * ranking is testable without a store.
 */
import { splitIdentifier } from './tokenize.js';

export const enum MatchTier {
  Exact = 0,
  ExactIgnoreCase = 1,
  Prefix = 2,
  Initials = 3,
  Substring = 4,
  Subsequence = 5,
}

export const TIER_NAMES = ['exact', 'exact-ignore-case', 'prefix', 'initials', 'substring', 'subsequence'] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** Initials of an identifier's parts: `parseJsonConfig` -> `pjc`, `read_file` -> `rf`. */
export function initials(name: string): string {
  return splitIdentifier(name)
    .map((p) => p[0])
    .join('');
}

function isSubsequence(needle: string, hay: string): boolean {
  let i = 0;
  for (let j = 0; j < hay.length && i < needle.length; j++) if (hay.charCodeAt(j) === needle.charCodeAt(i)) i++;
  return i === needle.length;
}

/** The tier at which `name` matches `query`, or -1 when it does not match. `lower`/`inits` may be precomputed. */
export function matchTier(query: string, queryLower: string, name: string, lower = name.toLowerCase(), inits?: string): number {
  if (name === query) return MatchTier.Exact;
  if (lower === queryLower) return MatchTier.ExactIgnoreCase;
  if (lower.startsWith(queryLower)) return MatchTier.Prefix;
  if (queryLower.length >= 2 && (inits ?? initials(name)).startsWith(queryLower)) return MatchTier.Initials;
  if (lower.includes(queryLower)) return MatchTier.Substring;
  if (queryLower.length >= 2 && isSubsequence(queryLower, lower)) return MatchTier.Subsequence;
  return -1;
}

export interface RankedName {
  name: string;
  tier: number;
}

/**
 * Best-matching names, ordered by tier then by length (shorter is closer) then
 * alphabetically. Only the `max` best are returned.
 *
 * Exact, prefix and initials matches come from binary searches over sorted views
 * of the names; the substring tier (one native scan) runs only when the better
 * tiers found fewer than `max` names, the subsequence tier (a JS scan) only when
 * they found fewer than a quarter of that.
 */
export function rankNames(query: string, names: readonly string[], max: number): RankedName[] {
  const q = query.trim();
  if (!q) return [];
  const ql = q.toLowerCase();
  const d = derived(names);
  const tierOf = new Map<number, number>();
  const add = (i: number, tier: number) => {
    const had = tierOf.get(i);
    if (had === undefined || tier < had) tierOf.set(i, tier);
  };
  for (const i of prefixRange(d.byLower, d.lower, ql))
    add(i, names[i] === q ? MatchTier.Exact : d.lower[i] === ql ? MatchTier.ExactIgnoreCase : MatchTier.Prefix);
  if (ql.length >= 2) for (const i of prefixRange(d.byInits, d.inits, ql)) add(i, MatchTier.Initials);
  if (tierOf.size < max) {
    // One native pass over the names joined by newlines, shortest first (then by name: the
    // final order within a tier), so the first new matches are the ones kept and the scan
    // stops there: a two-letter query on 100k names no longer visits every match.
    let wanted = max - tierOf.size;
    for (let at = d.joined.indexOf(ql); at >= 0 && wanted > 0;) {
      const line = lineOf(d.starts, at);
      const i = d.joinOrder[line];
      if (!tierOf.has(i)) {
        tierOf.set(i, MatchTier.Substring);
        wanted--;
      }
      at = d.joined.indexOf(ql, d.starts[line] + d.lower[i].length + 1);
    }
  }
  // Subsequence matches are the loosest evidence: only worth a full scan when little else matched.
  if (tierOf.size < Math.ceil(max / 4) && ql.length >= 2) {
    // A name lacking any letter of the query cannot contain it as a subsequence: the
    // letter masks rule out most names before the per-character check.
    const need = letterMask(ql);
    for (let i = 0; i < names.length; i++) {
      if ((d.masks[i] & need) === need && !tierOf.has(i) && isSubsequence(ql, d.lower[i])) add(i, MatchTier.Subsequence);
    }
  }
  const out: RankedName[] = [...tierOf].map(([i, tier]) => ({ name: names[i], tier }));
  out.sort((a, b) => a.tier - b.tier || a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out.slice(0, max);
}

interface Derived {
  lower: string[];
  inits: string[];
  /** Name indices sorted by lowercased name, and by initials. */
  byLower: Int32Array;
  byInits: Int32Array;
  /** All lowercased names joined by '\n' in joinOrder (shortest first, then by name), which name each line is, and where each line starts. */
  joined: string;
  joinOrder: Int32Array;
  starts: Int32Array;
  /** Per name, a bit per letter/digit class it contains (see letterMask). */
  masks: Int32Array;
}

/** 26 bits for a-z, one for digits, one for anything else. */
function letterMask(lower: string): number {
  let m = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (c >= 97 && c <= 122) m |= 1 << (c - 97);
    else if (c >= 48 && c <= 57) m |= 1 << 26;
    else m |= 1 << 27;
  }
  return m;
}

const derivedCache = new WeakMap<readonly string[], Derived>();

/** Lowercased names, initials and sorted views, computed once per names array (the store caches the array). */
function derived(names: readonly string[]): Derived {
  let d = derivedCache.get(names);
  if (!d) {
    const lower = names.map((n) => n.toLowerCase());
    const inits = names.map(initials);
    const order = (keys: string[]) => Int32Array.from(keys.keys()).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
    // Shortest first, then by name: the order rankNames keeps within a tier.
    const joinOrder = Int32Array.from(names.keys()).sort(
      (a, b) => names[a].length - names[b].length || (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b),
    );
    const starts = new Int32Array(names.length);
    let pos = 0;
    for (let line = 0; line < joinOrder.length; line++) {
      starts[line] = pos;
      pos += lower[joinOrder[line]].length + 1;
    }
    const joined = Array.from(joinOrder, (i) => lower[i]).join('\n');
    d = { lower, inits, byLower: order(lower), byInits: order(inits), joined, joinOrder, starts, masks: Int32Array.from(lower, letterMask) };
    derivedCache.set(names, d);
  }
  return d;
}

/** Indices (from `sorted`) whose key starts with `prefix`. */
function prefixRange(sorted: Int32Array, keys: string[], prefix: string): Int32Array {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[sorted[mid]] < prefix) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < sorted.length && keys[sorted[end]].startsWith(prefix)) end++;
  return sorted.subarray(lo, end);
}

/** The line (of the joined string) that contains offset `at`. */
function lineOf(starts: Int32Array, at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const partsCache = new WeakMap<readonly string[], string[][]>();
const partIndexCache = new WeakMap<readonly string[], Map<string, number[]>>();

/** Identifier part -> indices of the names containing it (once per names array). */
function partIndex(names: readonly string[]): Map<string, number[]> {
  let idx = partIndexCache.get(names);
  if (!idx) {
    idx = new Map();
    partsOf(names).forEach((parts, i) => {
      for (const p of new Set(parts)) {
        const list = idx!.get(p);
        if (list) list.push(i);
        else idx!.set(p, [i]);
      }
    });
    partIndexCache.set(names, idx);
  }
  return idx;
}

function partsOf(names: readonly string[]): string[][] {
  let parts = partsCache.get(names);
  if (!parts) {
    parts = names.map((n) => splitIdentifier(n));
    partsCache.set(names, parts);
  }
  return parts;
}

/**
 * Names made of all the given words (each word matching a whole part, or all of its
 * own parts), so `json config` finds `parseJsonConfig` and `load_json_config`.
 * Fewer extra parts rank first. The split of each name is cached per names array.
 */
export function rankNamesByWords(words: readonly { whole: string; parts: string[] }[], names: readonly string[], max: number): RankedName[] {
  if (!words.length) return [];
  const all = partsOf(names);
  // Candidates from the inverted index: every name matching word w holds w's whole
  // identifier or its rarest part, so the smallest such set over all words is a superset
  // of the answer; the loop below checks each candidate fully.
  const postings = partIndex(names);
  let candidates: Iterable<number> | null = null;
  let best = Infinity;
  for (const w of words) {
    const whole = postings.get(w.whole) ?? [];
    let set: number[] = whole;
    if (w.parts.length > 1) {
      const rarest = w.parts.map((p) => postings.get(p) ?? []).reduce((a, b) => (a.length <= b.length ? a : b));
      set = whole.length ? [...new Set([...whole, ...rarest])] : rarest;
    }
    if (set.length < best) {
      best = set.length;
      candidates = set;
    }
  }
  if (!candidates || best === 0) return [];
  const out: (RankedName & { extra: number })[] = [];
  for (const i of candidates) {
    const parts = all[i];
    if (parts.length < words.length) continue;
    let ok = true;
    let used = 0;
    for (const w of words) {
      if (parts.includes(w.whole)) used++;
      else if (w.parts.every((p) => parts.includes(p))) used += w.parts.length;
      else {
        ok = false;
        break;
      }
    }
    if (ok) out.push({ name: names[i], tier: MatchTier.Initials, extra: parts.length - used });
  }
  out.sort((a, b) => a.extra - b.extra || a.name.length - b.name.length || (a.name < b.name ? -1 : 1));
  return out.slice(0, max).map(({ name, tier }) => ({ name, tier }));
}
