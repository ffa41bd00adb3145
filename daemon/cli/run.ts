/** Opens the engine for one in-process command and always closes it. */
import { loadConfig } from '../config/config.js';
import type { Engine } from '../engine.js';
import { isContextdError } from '../errors.js';
import { dim } from './output.js';

export async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  // Loaded on use: the engine pulls in every backend, and `--help` or the bridges need none.
  const { Engine } = await import('../engine.js');
  const engine = await Engine.open(loadConfig());
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
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
