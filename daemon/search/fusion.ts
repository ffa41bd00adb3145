/**
 * Fusion of ranked lists from several retrievers.
 *
 * `scoreFusion` (what search uses): a convex combination of calibrated scores.
 * Each list's scores are mapped to [0, 1] per query (lexical BM25: divided by
 * the best score, so 0 stays "no evidence"; cosine similarity: min-max over the
 * neighbours returned, because where a model's similarities start is the
 * model's own business; rank-only lists such as symbols and history: 1/(1+rank)),
 * then weighted and summed; an item a list did not return gets 0 from it. With
 * weights lexical = 1-a and semantic = a, `a` says how much meaning counts: 0 is
 * lexical search, 1 the model alone, and a strong model can dominate. Unlike
 * rank fusion, a hit's margin counts: a chunk that one retriever finds far above
 * everything else keeps that lead.
 *
 * `reciprocalRankFusion` (weight / (k + rank)) is kept for lists without scores.
 */
export const RRF_K = 60;

export interface RankedList<T> {
  retriever: string;
  weight: number;
  items: T[];
  /**
   * Higher is better, one per item. `max`: divided by the best (scores >= 0, 0 = no evidence);
   * `minmax`: (s - min) / (max - min) over the list. Absent: by rank, 1 / (1 + rank).
   */
  scores?: number[];
  calibration?: 'max' | 'minmax';
}

export interface Fused<T> {
  item: T;
  score: number;
  retrievers: string[];
}

/** A list's scores on [0, 1], best first (see RankedList.scores). */
export function calibrated<T>(list: RankedList<T>): number[] {
  const n = list.items.length;
  if (!list.scores) return list.items.map((_, rank) => 1 / (1 + rank));
  const s = list.scores;
  let max = -Infinity;
  let min = Infinity;
  for (const v of s) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (list.calibration === 'minmax') {
    const span = max - min;
    return s.map((v) => (span > 0 ? (v - min) / span : 1));
  }
  return s.slice(0, n).map((v) => (max > 0 ? Math.max(0, v) / max : 1));
}

export function scoreFusion<T>(lists: RankedList<T>[], keyOf: (item: T) => string): Fused<T>[] {
  const byKey = new Map<string, Fused<T>>();
  for (const list of lists) {
    if (!list.items.length || !(list.weight > 0)) continue;
    const cal = calibrated(list);
    list.items.forEach((item, rank) => {
      const key = keyOf(item);
      const add = list.weight * cal[rank];
      const seen = byKey.get(key);
      if (seen) {
        // A retriever's first mention of an item is its evidence (the same chunk twice in one list adds nothing).
        if (!seen.retrievers.includes(list.retriever)) {
          seen.score += add;
          seen.retrievers.push(list.retriever);
        }
      } else {
        byKey.set(key, { item, score: add, retrievers: [list.retriever] });
      }
    });
  }
  // Stable: equal scores keep the order in which the lists first named them.
  return [...byKey.values()].sort((a, b) => b.score - a.score);
}

export function reciprocalRankFusion<T>(lists: RankedList<T>[], keyOf: (item: T) => string, k = RRF_K): Fused<T>[] {
  const byKey = new Map<string, Fused<T>>();
  for (const list of lists) {
    list.items.forEach((item, rank) => {
      const key = keyOf(item);
      const add = list.weight / (k + rank + 1);
      const seen = byKey.get(key);
      if (seen) {
        seen.score += add;
        if (!seen.retrievers.includes(list.retriever)) seen.retrievers.push(list.retriever);
      } else {
        byKey.set(key, { item, score: add, retrievers: [list.retriever] });
      }
    });
  }
  return [...byKey.values()].sort((a, b) => b.score - a.score);
}
