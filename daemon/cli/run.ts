/** Opens the engine for one in-process command and always closes it. */
import { loadConfig } from '../config/config.js';
import type { Engine } from '../engine.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContextdConfig } from '../config/config.js';
import { ContextdError, isContextdError } from '../errors.js';
import { lockOwner } from '../server/lock.js';
import { dim } from './output.js';
import { SearchForwarder } from './forward-searches.js';

export async function withEngine<T>(fn: (engine: Engine) => Promise<T>, opts: { forwardSearches?: boolean } = {}): Promise<T> {
  // Loaded on use: the engine pulls in every backend, and `--help` or the bridges need none.
  const { Engine } = await import('../engine.js');
  const config = loadConfig();
  refuseMissingStore(config);
  const forwarder = opts.forwardSearches ? new SearchForwarder() : undefined;
  // Traces only when a collector is configured (the module is not even loaded otherwise).
  const tracer = config.otel.endpoint
    ? new (await import('../metrics/tracing.js')).OtlpTracer({ endpoint: config.otel.endpoint, serviceName: config.otel.serviceName })
    : undefined;
  const engine = await Engine.open(config, { observer: forwarder, tracer });
  try {
    return await fn(engine);
  } finally {
    if (forwarder) {
      const entries = engine.searches.takeBuffered();
      if (!(await forwarder.handOver(entries))) engine.searches.restore(entries);
    }
    await engine.close();
    await tracer?.shutdown();
  }
}

/** withEngine for a command that searches: its searches are handed to a running daemon (forward-searches.ts). */
export function withSearchingEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  return withEngine(fn, { forwardSearches: true });
}

/**
 * A running daemon whose SQLite file is gone (deleted underneath it) restores it within
 * seconds; an in-process command must not create an empty one in its place meanwhile.
 */
function refuseMissingStore(config: ContextdConfig): void {
  if (config.store.url) return;
  const db = join(config.paths.dataDir, 'index.db');
  if (existsSync(db)) return;
  const pid = lockOwner(config.paths.dataDir);
  if (pid === null) return;
  throw new ContextdError('store-missing', `the daemon (pid ${pid}) is running but its index database ${db} is missing`, {
    hint: 'run `contextd status`: the daemon restores a deleted database from its open copy and says what to do next',
  });
}

/**
 * The indexed repository around the current directory, when there is one: the natural
 * default scope. In a git repository that is not indexed, every indexed repository is
 * searched, and a note on stderr says so (results from elsewhere must not pass unnoticed).
 */
export async function defaultRepo(engine: Engine, explicit: string | undefined): Promise<string | undefined> {
  if (explicit) return explicit;
  try {
    await engine.repoFor(process.cwd());
    return process.cwd();
  } catch (err) {
    if (isContextdError(err) && err.code === 'not-indexed') {
      process.stderr.write(dim(`note: ${err.message}; searching every indexed repository${err.hint ? ` (${err.hint})` : ''}`) + '\n');
    }
    return undefined;
  }
}
