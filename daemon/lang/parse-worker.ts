/**
 * Worker-thread entry for ParsePool: receives one job at a time, answers with
 * the ParsedFile. Grammars load lazily in this thread on first use.
 */
import { parentPort } from 'node:worker_threads';
import { parseFile } from './chunker.js';
import type { JobMessage, ParseReplyMessage } from './parse-protocol.js';

const port = parentPort;
if (!port) throw new Error('parse-worker must run in a worker thread');

port.on('message', (msg: JobMessage) => {
  if (msg.type === 'task') {
    port.postMessage({ type: 'error', id: msg.id, message: 'this parse worker runs no tasks' } satisfies ParseReplyMessage);
    return;
  }
  if (msg.type !== 'parse') return;
  parseFile(msg.path, msg.text, msg.language, msg.opts).then(
    (result) => port.postMessage({ type: 'result', id: msg.id, result } satisfies ParseReplyMessage),
    (err: unknown) =>
      port.postMessage({
        type: 'error',
        id: msg.id,
        message: err instanceof Error ? err.message : String(err),
      } satisfies ParseReplyMessage),
  );
});

port.postMessage({ type: 'ready' } satisfies ParseReplyMessage);
