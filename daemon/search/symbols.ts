/**
 * Symbol lookup: fuzzy name ranking (see fuzzy.ts) over the store's symbol
 * names, then the definitions of the best names, filtered by view and kind.
 */
import type { SymbolKind } from '../lang/types.js';
import type { MetadataStore, SymbolRow } from '../store/types.js';
import { rankNames, TIER_NAMES, type RankedName, type TierName } from './fuzzy.js';
import { toViewFilter, type SearchFilters } from './filters.js';

export interface SymbolSearchOptions extends SearchFilters {
  kinds?: string[];
  limit: number;
}

export interface SymbolHit extends SymbolRow {
  match: TierName;
  score: number;
}

/** Types first, then callables, then values: what a user jumping to a name most likely wants. */
const KIND_PRIORITY: Record<SymbolKind, number> = {
  class: 0,
  interface: 0,
  struct: 0,
  enum: 0,
  trait: 0,
  type: 1,
  module: 1,
  namespace: 1,
  impl: 2,
  function: 2,
  constructor: 3,
  method: 3,
  macro: 3,
  constant: 4,
  variable: 5,
  property: 5,
  field: 5,
  section: 6,
};

export async function findSymbols(store: MetadataStore, query: string, opts: SymbolSearchOptions): Promise<SymbolHit[]> {
  const names = await store.symbolNames();
  return definitionsOf(store, rankNames(query, names, Math.max(20, opts.limit * 2)), opts);
}

/** Definitions of already-ranked names, ordered by name tier, then kind, then name length and place. */
export async function definitionsOf(store: MetadataStore, ranked: RankedName[], opts: SymbolSearchOptions): Promise<SymbolHit[]> {
  if (!ranked.length) return [];
  const tierOf = new Map(ranked.map((r) => [r.name, r.tier]));
  const rows = await store.lookupSymbols({
    ...toViewFilter(opts),
    names: ranked.map((r) => r.name),
    kinds: opts.kinds,
    limit: Math.max(500, opts.limit * 20),
  });
  const scored = rows.map((row) => {
    const tier = tierOf.get(row.name) ?? TIER_NAMES.length;
    return { row, tier, prio: KIND_PRIORITY[row.kind] ?? 9 };
  });
  scored.sort(
    (a, b) => a.tier - b.tier || a.prio - b.prio || a.row.name.length - b.row.name.length || cmp(a.row.path, b.row.path) || a.row.startLine - b.row.startLine,
  );
  return scored.slice(0, opts.limit).map(({ row, tier, prio }) => ({
    ...row,
    match: TIER_NAMES[tier] ?? 'subsequence',
    // A readable score: 1 for an exact match of a type, decreasing with tier and kind.
    score: Math.round((1 / (1 + tier + prio / 10)) * 1000) / 1000,
  }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
