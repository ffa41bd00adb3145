/**
 * A search worker thread: its own read-only store connection, running searchCode
 * for the main thread (see search-pool.ts). The vector retriever stays on the main
 * thread (the index and the embedder live there): the worker asks for its hits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ContextdConfig } from '../config/config.js';
import { openReadOnlyStore } from '../store/open-store.js';
import type { ViewFilter } from '../store/types.js';
import { searchCode } from './search.js';
import { deserializeError, serializeError, type FromWorker, type SemanticHit, type ToWorker } from './search-protocol.js';

const port = parentPort!;
const store = await openReadOnlyStore((workerData as { config: ContextdConfig }).config);
const semanticWaits = new Map<number, { resolve: (hits: SemanticHit[]) => void; reject: (err: Error) => void }>();
let nextAsk = 1;
const post = (m: FromWorker) => port.postMessage(m);

function askMain(id: number, query: string, filter: ViewFilter, limit: number): Promise<SemanticHit[]> {
  const ask = nextAsk++;
  return new Promise((resolve, reject) => {
    semanticWaits.set(ask, { resolve, reject });
    post({ type: 'semantic', id, ask, query, filter, limit });
  });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'semantic-result') {
    const wait = semanticWaits.get(m.ask);
    semanticWaits.delete(m.ask);
    if (!wait) return;
    if (m.error) wait.reject(deserializeError(m.error));
    else wait.resolve(m.hits ?? []);
    return;
  }
  const { id, query, opts, semantic } = m;
  searchCode(store, query, { ...opts, semantic: semantic ? (q, filter, limit) => askMain(id, q, filter, limit) : undefined }).then(
    (hits) => post({ type: 'done', id, hits }),
    (err: unknown) => post({ type: 'done', id, error: serializeError(err) }),
  );
});
post({ type: 'ready' });
