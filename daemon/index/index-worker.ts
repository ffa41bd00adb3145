/**
 * The parse pool's worker for indexing: the chunker plus the per-chunk extras
 * (hash, lexical text), so the main thread only writes. Same protocol as
 * lang/parse-worker.ts.
 */
import { parentPort } from 'node:worker_threads';
import { parseFile } from '../lang/chunker.js';
import type { ParseJobMessage, ParseReplyMessage } from '../lang/parse-protocol.js';
import { enrich } from './enrich.js';

const port = parentPort;
if (!port) throw new Error('index-worker must run in a worker thread');

port.on('message', (msg: ParseJobMessage) => {
  if (msg.type !== 'parse') return;
  parseFile(msg.path, msg.text, msg.language, msg.opts).then(
    (parsed) => port.postMessage({ type: 'result', id: msg.id, result: enrich(parsed) } satisfies ParseReplyMessage),
    (err: unknown) => port.postMessage({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) } satisfies ParseReplyMessage),
  );
});

port.postMessage({ type: 'ready' } satisfies ParseReplyMessage);
