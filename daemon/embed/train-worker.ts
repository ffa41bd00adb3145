/** Worker-thread entry: trains a codevec model off the daemon's event loop. */
import { parentPort, workerData } from 'node:worker_threads';
import { trainCodeVecBlob } from './codevec-embedder.js';
import type { CodeVecOptions } from './codevec.js';

const port = parentPort;
if (!port) throw new Error('train-worker must run in a worker thread');
const { texts, options } = workerData as { texts: string[]; options: CodeVecOptions };
try {
  const r = trainCodeVecBlob(texts, options);
  port.postMessage({ ok: true, modelId: r.modelId, dim: r.dim, blob: r.blob });
} catch (err) {
  port.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
