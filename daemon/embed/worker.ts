/** Runs a one-shot job in a worker thread (see ../threads.ts for how workers start). */
import { startWorker } from '../threads.js';

export { startWorker, workerUrl } from '../threads.js';

/** Runs the worker to its first message and resolves with it; rejects if it dies first or the signal aborts. */
export function runWorker<T>(url: URL, workerData: unknown, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const w = startWorker(url, workerData);
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void w.terminate();
    };
    const onAbort = () => done(() => reject(signal?.reason ?? new Error('aborted')));
    signal?.addEventListener('abort', onAbort, { once: true });
    w.once('message', (m: T) => done(() => resolve(m)));
    w.once('error', (e) => done(() => reject(e)));
    w.once('exit', (code) => done(() => reject(new Error(`worker exited with code ${code} before answering`))));
  });
}
