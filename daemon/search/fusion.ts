/**
 * Reciprocal rank fusion: each retriever contributes weight / (k + rank) for each
 * item it returns. Rank-based, so retrievers with incomparable scores (BM25,
 * cosine, symbol tiers, history) combine without calibration.
 */
export const RRF_K = 60;

export interface RankedList<T> {
  retriever: string;
  weight: number;
  items: T[];
}

export interface Fused<T> {
  item: T;
  score: number;
  retrievers: string[];
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
