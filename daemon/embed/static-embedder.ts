/**
 * The built-in embedder: a static code model trained by the project on
 * (docstring, function) pairs from permissively licensed registry packages
 * (daemon/embed/train/, model card: daemon/embed/model/MODEL.md) and shipped in
 * the repository. A text's vector is the normalized sum of its tokens' rows of
 * an int8 table (per-row scale), each weighted by a learned per-token weight
 * (one set for queries, one for documents) times 1 + ln(count). No network, no
 * native code, nothing trained at index time; tens of thousands of chunks per
 * second on one core.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachTokenSpan, TOKENIZER_VERSION } from './static-tokenizer.js';
import { EmbedderUnavailableError, type Embedder, type EmbedKind } from './types.js';

export const STATIC_MODEL_FILE = 'static-code.bin';
/** Bump when pooling or the file format changes (the weights' hash is in the model id too). */
export const STATIC_EMBEDDER_VERSION = 1;
/** Tokens of a query / a document that count (a chunk's head says most; long chunks are capped). */
export const QUERY_MAX_TOKENS = 64;
export const DOCUMENT_MAX_TOKENS = 1024;

const MAGIC = 'CDSTATIC';
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** ASCII lowercase of a char code (the tokenizer's spans hold ASCII word characters only). */
const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

/**
 * The vocabulary id of the token made of parts [first, first + count) of `text`
 * (lowercased, joined by `_`: tokenString's spelling), or -1; no string is built.
 */
export function lookupSpan(m: StaticModel, text: string, starts: Int32Array, ends: Int32Array, first: number, count: number): number {
  let h = FNV_OFFSET;
  let len = count - 1;
  for (let k = first; k < first + count; k++) {
    if (k > first) h = Math.imul(h ^ 95, FNV_PRIME);
    for (let j = starts[k]; j < ends[k]; j++) h = Math.imul(h ^ lower(text.charCodeAt(j)), FNV_PRIME);
    len += ends[k] - starts[k];
  }
  const slots = m.slots;
  const mask = slots.length - 1;
  for (let at = (h >>> 0) & mask; ; at = (at + 1) & mask) {
    const v = slots[at];
    if (v === 0) return -1;
    const w = m.vocab[v - 1];
    if (w.length !== len) continue;
    let o = 0;
    let same = true;
    for (let k = first; k < first + count && same; k++) {
      if (k > first && w.charCodeAt(o++) !== 95) same = false;
      for (let j = starts[k]; j < ends[k] && same; j++) if (w.charCodeAt(o++) !== lower(text.charCodeAt(j))) same = false;
    }
    if (same) return v - 1;
  }
}

export interface StaticModel {
  dim: number;
  vocab: string[];
  ids: Map<string, number>;
  /** Open-addressing table: hash of a token's characters -> id + 1 (0: empty), see lookupSpan. */
  slots: Int32Array;
  scale: Float32Array;
  queryWeight: Float32Array;
  docWeight: Float32Array;
  table: Int8Array;
  meta: Record<string, unknown>;
  /** sha256 of the file, hex. */
  sha256: string;
}

/** Where the shipped weights are: next to this module in the sources, or in the package's daemon/embed/model from dist/. */
export function defaultModelPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'model', STATIC_MODEL_FILE), join(here, '..', '..', '..', 'daemon', 'embed', 'model', STATIC_MODEL_FILE)];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

export function parseStaticModel(buf: Buffer): StaticModel {
  if (buf.length < 24 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a contextd static model file');
  let o = 8;
  const version = buf.readUInt32LE(o);
  const V = buf.readUInt32LE(o + 4);
  const D = buf.readUInt32LE(o + 8);
  const metaLen = buf.readUInt32LE(o + 12);
  o += 16;
  if (version !== 1) throw new Error(`static model format ${version} is not supported`);
  if (D % 8 !== 0 || D === 0) throw new Error(`static model: dimension ${D} is not a multiple of 8`);
  const meta = JSON.parse(buf.toString('utf8', o, o + metaLen)) as Record<string, unknown>;
  o += metaLen;
  const wordsLen = buf.readUInt32LE(o);
  o += 4;
  const vocab = buf.toString('utf8', o, o + wordsLen).split('\n');
  o += wordsLen;
  o += (4 - (o % 4)) % 4;
  if (vocab.length !== V) throw new Error(`static model: ${vocab.length} words for a vocabulary of ${V}`);
  const need = o + V * 12 + V * D;
  if (buf.length !== need) throw new Error(`static model: ${buf.length} bytes, expected ${need}`);
  // Copy into aligned typed arrays (the Buffer's offset in its pool need not be aligned).
  const f32 = (at: number) => new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + V * 4));
  const scale = f32(o);
  const queryWeight = f32(o + V * 4);
  const docWeight = f32(o + V * 8);
  const table = new Int8Array(buf.buffer.slice(buf.byteOffset + o + V * 12, buf.byteOffset + need));
  const ids = new Map<string, number>();
  vocab.forEach((w, i) => ids.set(w, i));
  let size = 1;
  while (size < V * 3) size <<= 1;
  const slots = new Int32Array(size);
  for (let id = 0; id < V; id++) {
    const w = vocab[id];
    let h = FNV_OFFSET;
    for (let k = 0; k < w.length; k++) h = Math.imul(h ^ w.charCodeAt(k), FNV_PRIME);
    let at = (h >>> 0) & (size - 1);
    while (slots[at] !== 0) at = (at + 1) & (size - 1);
    slots[at] = id + 1;
  }
  return { dim: D, vocab, ids, slots, scale, queryWeight, docWeight, table, meta, sha256: createHash('sha256').update(buf).digest('hex') };
}

const cache = new Map<string, StaticModel>();

/** Loads (once per path and process) the shipped model. */
export function loadStaticModel(path = defaultModelPath()): StaticModel {
  let m = cache.get(path);
  if (!m) {
    if (!existsSync(path))
      throw new EmbedderUnavailableError(`the built-in model file is missing (${path}); reinstall contextd or run \`npm run train:model\``, false);
    m = parseStaticModel(readFileSync(path));
    cache.set(path, m);
  }
  return m;
}

export class StaticCodeEmbedder implements Embedder {
  readonly name = 'static';
  readonly modelId: string;
  readonly dimension: number;
  private readonly counts: Int32Array;
  private readonly touched: Int32Array;
  private readonly acc: Float64Array;

  constructor(
    readonly model: StaticModel = loadStaticModel(),
    private readonly documentMaxTokens = DOCUMENT_MAX_TOKENS,
  ) {
    this.dimension = model.dim;
    this.modelId = `static-${STATIC_EMBEDDER_VERSION}.${TOKENIZER_VERSION}:${model.sha256.slice(0, 12)}`;
    this.counts = new Int32Array(model.vocab.length);
    this.touched = new Int32Array(Math.max(QUERY_MAX_TOKENS, documentMaxTokens));
    this.acc = new Float64Array(model.dim);
  }

  async embed(texts: string[], kind: EmbedKind): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t, kind));
  }

  /** One text's unit vector (all zeros when no token of it is in the vocabulary). */
  embedOne(text: string, kind: EmbedKind): Float32Array {
    const { scale, table, dim } = this.model;
    const weight = kind === 'query' ? this.model.queryWeight : this.model.docWeight;
    const counts = this.counts;
    const touched = this.touched;
    let n = 0;
    const model = this.model;
    forEachTokenSpan(text, kind === 'query' ? QUERY_MAX_TOKENS : this.documentMaxTokens, (t, starts, ends, first, count) => {
      const id = lookupSpan(model, t, starts, ends, first, count);
      if (id >= 0 && counts[id]++ === 0) touched[n++] = id;
    });
    const acc = this.acc;
    acc.fill(0);
    for (let k = 0; k < n; k++) {
      const id = touched[k];
      const w = (1 + Math.log(counts[id])) * weight[id] * scale[id];
      counts[id] = 0;
      if (w === 0) continue;
      // dim is a multiple of 8 (checked at load): an unrolled loop, ~1.5x faster in V8.
      for (let j = 0, r = id * dim; j < dim; j += 8, r += 8) {
        acc[j] += w * table[r];
        acc[j + 1] += w * table[r + 1];
        acc[j + 2] += w * table[r + 2];
        acc[j + 3] += w * table[r + 3];
        acc[j + 4] += w * table[r + 4];
        acc[j + 5] += w * table[r + 5];
        acc[j + 6] += w * table[r + 6];
        acc[j + 7] += w * table[r + 7];
      }
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += acc[j] * acc[j];
    const out = new Float32Array(dim);
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[j] = acc[j] * inv;
    }
    return out;
  }

  async close(): Promise<void> {}
}
