/**
 * The parse pool's worker for indexing: the chunker plus the per-chunk extras
 * (hash, lexical text), so the main thread only writes. Same protocol as
 * lang/parse-worker.ts, plus one task: a whole file by path (prepare.ts).
 */
import { parentPort } from 'node:worker_threads';
import { parseFile } from '../lang/chunker.js';
import type { JobMessage, ParseReplyMessage } from '../lang/parse-protocol.js';
import { enrich } from './enrich.js';
import { prepareContent, type WorkerTask } from './prepare.js';
import { StaticCodeEmbedder } from '../embed/static-embedder.js';

const port = parentPort;
if (!port) throw new Error('index-worker must run in a worker thread');

/** The built-in model, loaded on the first embed task. */
let embedder: StaticCodeEmbedder | null = null;

const fail = (id: number) => (err: unknown) =>
  port.postMessage({ type: 'error', id, message: err instanceof Error ? err.message : String(err) } satisfies ParseReplyMessage);

port.on('message', (msg: JobMessage) => {
  if (msg.type === 'task') {
    const task = msg.payload as WorkerTask;
    const run = task.kind === 'embed' ? (embedder ??= new StaticCodeEmbedder()).embed(task.texts, 'document') : prepareContent(task.job, parseFile);
    run.then((result) => port.postMessage({ type: 'task-result', id: msg.id, result } satisfies ParseReplyMessage), fail(msg.id));
    return;
  }
  if (msg.type !== 'parse') return;
  parseFile(msg.path, msg.text, msg.language, msg.opts).then(
    (parsed) => port.postMessage({ type: 'result', id: msg.id, result: enrich(parsed) } satisfies ParseReplyMessage),
    fail(msg.id),
  );
});

port.postMessage({ type: 'ready' } satisfies ParseReplyMessage);
