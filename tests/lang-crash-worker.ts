/**
 * A parse worker for tests (not a test file): the real worker, except that a
 * job whose path contains `crash-me` kills the thread mid-job (as a wasm abort
 * would) and one containing `hang-me` never returns.
 */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (msg: { path?: string }) => {
  if (msg.path?.includes('crash-me')) process.exit(70);
  if (msg.path?.includes('hang-me')) for (;;);
});

await import('../daemon/lang/parse-worker.js');
