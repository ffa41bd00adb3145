/**
 * Runs a one-shot job in a worker thread: from TypeScript sources under tsx (a
 * small bootstrap registers tsx in the worker, as parse-pool does; see the note
 * there on nodejs/node#47747) and from compiled dist/ alike.
 */
import { Worker } from 'node:worker_threads';

export function workerUrl(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}

export function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    return new Worker(url, { workerData });
  }
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

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
