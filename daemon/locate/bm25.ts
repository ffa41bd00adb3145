/**
 * A small in-memory BM25 index over documents given as token lists (files, commit
 * messages). Files are long and vary in length by orders of magnitude, so the length
 * normalization `b` is a parameter (tuned for files on bench/quality's dev split), and a
 * second field (a file's path) can add its term frequency with its own weight (BM25F).
 */
export interface Bm25Params {
  k1: number;
  /** Length normalization: 0 = none, 1 = full. */
  b: number;
  /** Weight of the second field's term frequency (0: body only). */
  fieldWeight: number;
}

export class Bm25Index {
  private readonly postings = new Map<string, { doc: number[]; tf: number[]; ftf: number[] }>();
  private readonly lengths: Float64Array;
  private readonly avgLength: number;
  readonly size: number;

  /** `docs[i]`: body tokens; `fields[i]`: the second field's tokens (optional). */
  constructor(docs: readonly string[][], fields?: readonly string[][]) {
    this.size = docs.length;
    this.lengths = new Float64Array(docs.length);
    let total = 0;
    for (let i = 0; i < docs.length; i++) {
      const counts = new Map<string, [number, number]>();
      for (const t of docs[i]) {
        const c = counts.get(t);
        if (c) c[0]++;
        else counts.set(t, [1, 0]);
      }
      for (const t of fields?.[i] ?? []) {
        const c = counts.get(t);
        if (c) c[1]++;
        else counts.set(t, [0, 1]);
      }
      for (const [t, [tf, ftf]] of counts) {
        let p = this.postings.get(t);
        if (!p) this.postings.set(t, (p = { doc: [], tf: [], ftf: [] }));
        p.doc.push(i);
        p.tf.push(tf);
        p.ftf.push(ftf);
      }
      this.lengths[i] = docs[i].length;
      total += docs[i].length;
    }
    this.avgLength = docs.length ? Math.max(1, total / docs.length) : 1;
  }

  /** Documents holding `token`. */
  df(token: string): number {
    return this.postings.get(token)?.doc.length ?? 0;
  }

  /** BM25 of every document matching any query token (each distinct token counted once), by document. */
  score(query: readonly string[], p: Bm25Params, accept?: (doc: number) => boolean): Map<number, number> {
    const out = new Map<number, number>();
    const n = this.size;
    for (const t of new Set(query)) {
      const post = this.postings.get(t);
      if (!post) continue;
      const df = post.doc.length;
      // Lucene's idf: never negative, so a very common token cannot lower a score.
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let k = 0; k < post.doc.length; k++) {
        const d = post.doc[k];
        if (accept && !accept(d)) continue;
        const tf = post.tf[k] + p.fieldWeight * post.ftf[k];
        if (tf <= 0) continue;
        const norm = p.k1 * (1 - p.b + (p.b * this.lengths[d]) / this.avgLength);
        out.set(d, (out.get(d) ?? 0) + (idf * tf * (p.k1 + 1)) / (tf + norm));
      }
    }
    return out;
  }
}
