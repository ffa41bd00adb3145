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
 */
export function rankNames(query: string, names: readonly string[], max: number): RankedName[] {
  const q = query.trim();
  if (!q) return [];
  const ql = q.toLowerCase();
  const { lower, inits } = derived(names);
  const out: RankedName[] = [];
  for (let i = 0; i < names.length; i++) {
    const tier = matchTier(q, ql, names[i], lower[i], inits[i]);
    if (tier >= 0) out.push({ name: names[i], tier });
  }
  out.sort((a, b) => a.tier - b.tier || a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out.slice(0, max);
}

const derivedCache = new WeakMap<readonly string[], { lower: string[]; inits: string[] }>();

/** Lowercased names and their initials, computed once per names array (the store caches the array). */
function derived(names: readonly string[]): { lower: string[]; inits: string[] } {
  let d = derivedCache.get(names);
  if (!d) {
    d = { lower: names.map((n) => n.toLowerCase()), inits: names.map(initials) };
    derivedCache.set(names, d);
  }
  return d;
}

const partsCache = new WeakMap<readonly string[], string[][]>();

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
  const out: (RankedName & { extra: number })[] = [];
  for (let i = 0; i < names.length; i++) {
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
