/**
 * Starting worker threads from TypeScript sources under tsx (a small bootstrap
 * registers tsx in the worker; see the note in lang/parse-pool.ts on
 * nodejs/node#47747) and from compiled dist/ alike.
 */
import { Worker } from 'node:worker_threads';

/** The worker module `name` next to the module whose import.meta.url is `base`. */
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
