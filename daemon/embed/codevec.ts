/**
 * "codevec": word vectors learned from the user's own code, with no download.
 *
 * Training (once per corpus generation, in a worker): identifier-split words of
 * every chunk -> windowed co-occurrence counts -> positive PMI (with context
 * smoothing, alpha 0.75) -> truncated SVD by randomized range finding -> word
 * vectors U * sqrt(S), unit length.
 * Use: a text's vector is the smooth-inverse-frequency weighted mean of its
 * words' vectors minus the corpus' common component (Arora et al., 2017), unit
 * length. Pure arithmetic: tens of thousands of chunks per second per thread.
 */

export interface CodeVecOptions {
  /** Output dimension. */
  dim?: number;
  /** Co-occurrence window (words either side). */
  window?: number;
  /** Words seen fewer times are left out of the vocabulary (0: 3 for corpora over 100k words, else 1). */
  minCount?: number;
  maxVocab?: number;
  /** SIF smoothing constant a: weight(w) = a / (a + p(w)). */
  sifA?: number;
  seed?: number;
  /** Power iterations of the randomized SVD (more: more exact, slower). */
  powerIterations?: number;
}

const DEFAULTS: Required<CodeVecOptions> = { dim: 128, window: 5, minCount: 0, maxVocab: 40_000, sifA: 1e-3, seed: 7, powerIterations: 2 };

export interface CodeVecModel {
  dim: number;
  vocab: string[];
  /** vocab.length x dim, row-major, unit rows. */
  vectors: Float32Array;
  /** SIF weight per word. */
  weights: Float32Array;
  /** The common component removed from every text vector (unit, or zeros). */
  common: Float32Array;
  index: Map<string, number>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Sparse matrix in CSR form. */
interface Csr {
  rows: number;
  cols: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float32Array;
}

/** out (rows x k) = A (rows x cols) * X (cols x k); dense row-major. */
function csrTimesDense(a: Csr, x: Float64Array, k: number): Float64Array {
  const out = new Float64Array(a.rows * k);
  for (let r = 0; r < a.rows; r++) {
    const o = r * k;
    for (let p = a.ptr[r]; p < a.ptr[r + 1]; p++) {
      const v = a.val[p];
      const xo = a.idx[p] * k;
      for (let j = 0; j < k; j++) out[o + j] += v * x[xo + j];
    }
  }
  return out;
}

/** out (cols x k) = A^T * X, X is rows x k. */
function csrTransposeTimesDense(a: Csr, x: Float64Array, k: number): Float64Array {
  const out = new Float64Array(a.cols * k);
  for (let r = 0; r < a.rows; r++) {
    const xo = r * k;
    for (let p = a.ptr[r]; p < a.ptr[r + 1]; p++) {
      const v = a.val[p];
      const o = a.idx[p] * k;
      for (let j = 0; j < k; j++) out[o + j] += v * x[xo + j];
    }
  }
  return out;
}

/** Orthonormalize the k columns of a (n x k, row-major) in place (modified Gram-Schmidt, done twice). */
function orthonormalize(a: Float64Array, n: number, k: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += a[r * k + i] * a[r * k + j];
        for (let r = 0; r < n; r++) a[r * k + j] -= dot * a[r * k + i];
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += a[r * k + j] * a[r * k + j];
      norm = Math.sqrt(norm) || 1;
      for (let r = 0; r < n; r++) a[r * k + j] /= norm;
    }
  }
}

/** Eigen-decomposition of a symmetric k x k matrix (cyclic Jacobi). Returns eigenvalues and column eigenvectors. */
function symmetricEigen(m: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += a[p * k + q] * a[p * k + q];
    if (off < 1e-20) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q];
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (a[q * k + q] - a[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p];
          const arq = a[r * k + q];
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r];
          const aqr = a[q * k + r];
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p];
          const vrq = v[r * k + q];
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(k);
  for (let i = 0; i < k; i++) values[i] = a[i * k + i];
  return { values, vectors: v };
}

/** Counts words and builds the vocabulary (most frequent first). */
function buildVocab(docs: readonly string[][], minCount: number, maxVocab: number): { vocab: string[]; counts: Float64Array; total: number } {
  const freq = new Map<string, number>();
  let total = 0;
  for (const d of docs) {
    for (const w of d) freq.set(w, (freq.get(w) ?? 0) + 1);
    total += d.length;
  }
  const vocab = [...freq.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxVocab)
    .map(([w]) => w);
  const counts = Float64Array.from(vocab, (w) => freq.get(w)!);
  return { vocab, counts, total: Math.max(1, total) };
}

/** Trains word vectors on tokenized documents (one per chunk). Deterministic for the same input. */
export function trainCodeVectors(docs: readonly string[][], options: CodeVecOptions = {}): CodeVecModel {
  const o = { ...DEFAULTS, ...options };
  const words = docs.reduce((n, d) => n + d.length, 0);
  const { vocab, counts, total } = buildVocab(docs, o.minCount || (words > 100_000 ? 3 : 1), o.maxVocab);
  const n = vocab.length;
  const index = new Map(vocab.map((w, i) => [w, i]));
  const weights = Float32Array.from(counts, (c) => o.sifA / (o.sifA + c / total));
  const dim = Math.max(1, Math.min(o.dim, n - 1));
  if (n < 4) {
    return { dim, vocab, vectors: new Float32Array(n * dim), weights, common: new Float32Array(dim), index };
  }

  // Windowed co-occurrence, 1/distance weighted, symmetric.
  const cooc: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (const d of docs) {
    const ids = d.map((w) => index.get(w) ?? -1);
    for (let i = 0; i < ids.length; i++) {
      const a = ids[i];
      if (a < 0) continue;
      const end = Math.min(ids.length, i + o.window + 1);
      for (let j = i + 1; j < end; j++) {
        const b = ids[j];
        if (b < 0 || b === a) continue;
        const w = 1 / (j - i);
        const ma = cooc[a];
        ma.set(b, (ma.get(b) ?? 0) + w);
        const mb = cooc[b];
        mb.set(a, (mb.get(a) ?? 0) + w);
      }
    }
  }

  // Positive PMI with context-distribution smoothing.
  const rowSum = new Float64Array(n);
  const colSum = new Float64Array(n);
  let sum = 0;
  for (let a = 0; a < n; a++) {
    for (const [b, c] of cooc[a]) {
      rowSum[a] += c;
      colSum[b] += c;
      sum += c;
    }
  }
  let colSmoothTotal = 0;
  const colSmooth = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    colSmooth[b] = Math.pow(colSum[b], 0.75);
    colSmoothTotal += colSmooth[b];
  }
  const ptr = new Int32Array(n + 1);
  const idxList: number[] = [];
  const valList: number[] = [];
  for (let a = 0; a < n; a++) {
    const entries = [...cooc[a].entries()].sort((x, y) => x[0] - y[0]);
    for (const [b, c] of entries) {
      const pmi = Math.log((c * colSmoothTotal) / (rowSum[a] * colSmooth[b] || 1));
      if (pmi > 0) {
        idxList.push(b);
        valList.push(pmi);
      }
    }
    ptr[a + 1] = idxList.length;
    cooc[a].clear();
  }
  const A: Csr = { rows: n, cols: n, ptr, idx: Int32Array.from(idxList), val: Float32Array.from(valList) };

  // Randomized SVD: range of A from a Gaussian sketch plus power iterations.
  const k = Math.min(n, dim + 16);
  const rand = rng(o.seed);
  const omega = new Float64Array(n * k);
  for (let i = 0; i < omega.length; i++) omega[i] = gaussian(rand);
  let Y = csrTimesDense(A, omega, k);
  orthonormalize(Y, n, k);
  for (let it = 0; it < o.powerIterations; it++) {
    const Z = csrTransposeTimesDense(A, Y, k);
    orthonormalize(Z, n, k);
    Y = csrTimesDense(A, Z, k);
    orthonormalize(Y, n, k);
  }
  // B^T = A^T Q (n x k); B B^T = (A^T Q)^T (A^T Q) is k x k.
  const Bt = csrTransposeTimesDense(A, Y, k);
  const BBt = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    const o2 = r * k;
    for (let i = 0; i < k; i++) {
      const bi = Bt[o2 + i];
      if (bi === 0) continue;
      for (let j = i; j < k; j++) BBt[i * k + j] += bi * Bt[o2 + j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) BBt[i * k + j] = BBt[j * k + i];
  const { values, vectors: W } = symmetricEigen(BBt, k);
  const order = [...values.keys()].sort((x, y) => values[y] - values[x]).slice(0, dim);

  // Word vectors: U * sqrt(S) with U = Q W, S = sqrt(eigenvalues); then unit rows.
  const vectors = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let c = 0; c < dim; c++) {
      const e = order[c];
      let u = 0;
      for (let i = 0; i < k; i++) u += Y[r * k + i] * W[i * k + e];
      const v = u * Math.pow(Math.max(values[e], 0), 0.25);
      vectors[r * dim + c] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let c = 0; c < dim; c++) vectors[r * dim + c] /= norm;
  }

  const model: CodeVecModel = { dim, vocab, vectors, weights, common: new Float32Array(dim), index };
  model.common = commonComponent(model, docs);
  return model;
}

/** First principal direction of (a sample of) the documents' SIF vectors, by power iteration. */
function commonComponent(model: CodeVecModel, docs: readonly string[][]): Float32Array {
  const dim = model.dim;
  const step = Math.max(1, Math.floor(docs.length / 5000));
  const sample: Float32Array[] = [];
  for (let i = 0; i < docs.length; i += step) {
    const v = pooled(model, docs[i]);
    if (v) sample.push(v);
  }
  if (!sample.length) return new Float32Array(dim);
  let u = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  for (let it = 0; it < 30; it++) {
    const next = new Float64Array(dim);
    for (const v of sample) {
      let dot = 0;
      for (let c = 0; c < dim; c++) dot += v[c] * u[c];
      for (let c = 0; c < dim; c++) next[c] += dot * v[c];
    }
    let norm = 0;
    for (let c = 0; c < dim; c++) norm += next[c] * next[c];
    norm = Math.sqrt(norm) || 1;
    for (let c = 0; c < dim; c++) next[c] /= norm;
    u = next;
  }
  return Float32Array.from(u);
}

/** SIF-weighted mean of the known words' vectors (extra weights multiply per word), or null when none is known. */
function pooled(model: CodeVecModel, words: readonly string[], extra?: readonly number[]): Float32Array | null {
  const dim = model.dim;
  const out = new Float32Array(dim);
  let any = false;
  for (let i = 0; i < words.length; i++) {
    const id = model.index.get(words[i]);
    if (id === undefined) continue;
    const w = model.weights[id] * (extra ? extra[i] : 1);
    const base = id * dim;
    for (let c = 0; c < dim; c++) out[c] += w * model.vectors[base + c];
    any = true;
  }
  return any ? out : null;
}

/** A text's vector: SIF mean minus the common component, unit length; zeros when no word is known. */
export function embedWords(model: CodeVecModel, words: readonly string[], extra?: readonly number[]): Float32Array {
  const v = pooled(model, words, extra);
  if (!v) return new Float32Array(model.dim);
  let dot = 0;
  for (let c = 0; c < model.dim; c++) dot += v[c] * model.common[c];
  let norm = 0;
  for (let c = 0; c < model.dim; c++) {
    v[c] -= dot * model.common[c];
    norm += v[c] * v[c];
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let c = 0; c < model.dim; c++) v[c] /= norm;
  return v;
}

/** The nearest vocabulary words to a word (for query expansion and inspection). */
export function neighbours(model: CodeVecModel, word: string, k: number): { word: string; sim: number }[] {
  const id = model.index.get(word);
  if (id === undefined) return [];
  const dim = model.dim;
  const sims: { word: string; sim: number }[] = [];
  for (let j = 0; j < model.vocab.length; j++) {
    if (j === id) continue;
    let s = 0;
    for (let c = 0; c < dim; c++) s += model.vectors[id * dim + c] * model.vectors[j * dim + c];
    sims.push({ word: model.vocab[j], sim: s });
  }
  return sims.sort((a, b) => b.sim - a.sim).slice(0, k);
}

const MAGIC = 0x43564543; // 'CVEC'

/** Binary form: header, vocabulary (newline-joined UTF-8), weights, common, vectors. */
export function serializeCodeVec(m: CodeVecModel): Buffer {
  const vocab = Buffer.from(m.vocab.join('\n'), 'utf8');
  const header = Buffer.alloc(16);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(m.dim, 4);
  header.writeUInt32LE(m.vocab.length, 8);
  header.writeUInt32LE(vocab.length, 12);
  const f32 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([header, vocab, f32(m.weights), f32(m.common), f32(m.vectors)]);
}

export function deserializeCodeVec(buf: Buffer): CodeVecModel {
  if (buf.length < 16 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a codevec model');
  const dim = buf.readUInt32LE(4);
  const n = buf.readUInt32LE(8);
  const vocabBytes = buf.readUInt32LE(12);
  let off = 16;
  const vocab = n ? buf.subarray(off, off + vocabBytes).toString('utf8').split('\n') : [];
  off += vocabBytes;
  const take = (count: number): Float32Array => {
    const out = new Float32Array(count);
    Buffer.from(out.buffer).set(buf.subarray(off, off + count * 4));
    off += count * 4;
    return out;
  };
  const weights = take(n);
  const common = take(dim);
  const vectors = take(n * dim);
  return { dim, vocab, vectors, weights, common, index: new Map(vocab.map((w, i) => [w, i])) };
}
