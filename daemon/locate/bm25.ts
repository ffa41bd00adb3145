/**
 * A small in-memory BM25 index over documents given as token lists (files, commit
 * messages). Files are long and vary in length by orders of magnitude, so the length
 * normalization `b` is a parameter (tuned for files on bench/quality's dev split), and a
 * second field (a file's path) can add its term frequency with its own weight (BM25F).
 * Postings are flat typed arrays, so an index can be saved and loaded whole (corpus-cache.ts).
 */
export interface Bm25Params {
  k1: number;
  /** Length normalization: 0 = none, 1 = full. */
  b: number;
  /** Weight of the second field's term frequency (0: body only). */
  fieldWeight: number;
}

/** Everything an index is, as plain values (structured-clone / v8.serialize friendly). */
export interface Bm25State {
  terms: string[];
  /** Postings of term i: docs[offsets[i] .. offsets[i + 1]). */
  offsets: Int32Array;
  docs: Int32Array;
  tf: Uint32Array;
  ftf: Uint32Array;
  lengths: Float64Array;
  avgLength: number;
}

export class Bm25Index {
  private readonly termIndex = new Map<string, number>();
  readonly size: number;

  private constructor(private readonly st: Bm25State) {
    st.terms.forEach((t, i) => this.termIndex.set(t, i));
    this.size = st.lengths.length;
  }

  /** `docs[i]`: body tokens; `fields[i]`: the second field's tokens (optional). */
  static build(docs: readonly string[][], fields?: readonly string[][]): Bm25Index {
    const byTerm = new Map<string, number[]>(); // doc, tf, ftf triples
    const lengths = new Float64Array(docs.length);
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
        let p = byTerm.get(t);
        if (!p) byTerm.set(t, (p = []));
        p.push(i, tf, ftf);
      }
      lengths[i] = docs[i].length;
      total += docs[i].length;
    }
    const terms = [...byTerm.keys()];
    const offsets = new Int32Array(terms.length + 1);
    let n = 0;
    terms.forEach((t, i) => {
      offsets[i] = n;
      n += byTerm.get(t)!.length / 3;
    });
    offsets[terms.length] = n;
    const d = new Int32Array(n);
    const tf = new Uint32Array(n);
    const ftf = new Uint32Array(n);
    terms.forEach((t, i) => {
      const p = byTerm.get(t)!;
      for (let k = 0, at = offsets[i]; k < p.length; k += 3, at++) {
        d[at] = p[k];
        tf[at] = p[k + 1];
        ftf[at] = p[k + 2];
      }
    });
    return new Bm25Index({ terms, offsets, docs: d, tf, ftf, lengths, avgLength: docs.length ? Math.max(1, total / docs.length) : 1 });
  }

  static fromState(state: Bm25State): Bm25Index {
    return new Bm25Index(state);
  }

  state(): Bm25State {
    return this.st;
  }

  /** Documents holding `token`. */
  df(token: string): number {
    const i = this.termIndex.get(token);
    return i === undefined ? 0 : this.st.offsets[i + 1] - this.st.offsets[i];
  }

  /** BM25 of every document matching any query token (each distinct token counted once), by document. */
  score(query: readonly string[], p: Bm25Params, accept?: (doc: number) => boolean): Map<number, number> {
    const out = new Map<number, number>();
    const { offsets, docs, tf: tfs, ftf: ftfs, lengths, avgLength } = this.st;
    const n = this.size;
    for (const t of new Set(query)) {
      const i = this.termIndex.get(t);
      if (i === undefined) continue;
      const from = offsets[i];
      const to = offsets[i + 1];
      const df = to - from;
      // Lucene's idf: never negative, so a very common token cannot lower a score.
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let k = from; k < to; k++) {
        const d = docs[k];
        if (accept && !accept(d)) continue;
        const tf = tfs[k] + p.fieldWeight * ftfs[k];
        if (tf <= 0) continue;
        const norm = p.k1 * (1 - p.b + (p.b * lengths[d]) / avgLength);
        out.set(d, (out.get(d) ?? 0) + (idf * tf * (p.k1 + 1)) / (tf + norm));
      }
    }
    return out;
  }
}
