/**
 * Generation bumps from store writes. Wraps a MetadataStore (any backend) so that
 * every write that can change what a query answers — a file's view row, parse,
 * chunks, symbols, blame, commits, the repository record — bumps the generation
 * of that repository's scope once the write has resolved. Nothing above the
 * store has to remember to invalidate; a new write path through these methods
 * is covered automatically.
 */
import type { MetadataStore } from '../store/types.js';
import { REPOS_SCOPE, REPO_SCOPE } from './types.js';

/** Write methods whose first argument is the repository id. */
const REPO_WRITES = new Set([
  'writeFile',
  'writeFiles',
  'deleteFiles',
  'updateRepo',
  'removeRepo',
  'resetHistoryLog',
  'addCommits',
  'finishLogUpdate',
  'writeBlames',
  'deleteBlames',
]);
/** Writes that change the set of repositories. */
const SET_WRITES = new Set(['ensureRepo', 'removeRepo']);

export function trackViewWrites<S extends MetadataStore>(store: S, onWrite: (scopes: string[]) => void): S {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!REPO_WRITES.has(prop) && !SET_WRITES.has(prop)) return fn.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await fn.apply(target, args);
        } finally {
          // Also after a failed write: a batch may have stored some files before failing.
          const scopes: string[] = [];
          if (REPO_WRITES.has(prop) && typeof args[0] === 'number') scopes.push(REPO_SCOPE(args[0]));
          if (SET_WRITES.has(prop)) scopes.push(REPOS_SCOPE);
          onWrite(scopes);
        }
      };
    },
  });
}
