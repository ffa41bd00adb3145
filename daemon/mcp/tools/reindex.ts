import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { confinePath } from '../../repo/confine.js';
import { defineTool, resolveRepo, type ToolCall, type ToolDeps } from '../toolkit.js';
import type { IndexActivity } from '../context.js';
import { repoArg } from '../schemas.js';

/** How often a waiting reindex looks at the run (the daemon's own state: no I/O beyond one queue count). */
const POLL_MS = 200;

export function registerReindex(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'reindex',
    title: 'Reindex',
    description:
      'Refresh the index of a repository (or some paths) now. Rarely needed: git hooks and file events keep it fresh; use it when index_status says stale or after bulk edits outside git. ' +
      'wait=true waits for the run, with progress notifications; cancelling stops the run (its work stays queued).',
    input: {
      repo: repoArg,
      paths: z.array(z.string().min(1)).max(1000).optional().describe('repo-relative paths to refresh (default: the whole tree)'),
      wait: z.boolean().optional().describe('wait until the repository is indexed (default false: queue and return)'),
      timeout_seconds: z.number().int().min(1).max(3600).optional().describe('with wait: longest wait (default 300); the run goes on after it'),
    },
    output: {
      queued: z.boolean(),
      repo: z.string(),
      paths: z.array(z.string()).nullable(),
      waited: z.boolean(),
      done: z.boolean().describe('nothing is queued or running for the repository any more'),
      lastError: z.string().nullable(),
    },
    // It writes only the index, which it rebuilds from the repository: repeating it changes nothing more.
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args, call) {
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const roots = await deps.ctx.registeredRoots();
      const paths = args.paths?.map((p) => confinePath(p, roots, root, { mustExist: false }).rel) ?? null;
      await deps.ctx.reindex(root, paths ?? undefined);
      const what = `${paths ? `${paths.length} path(s) in ` : ''}${root}`;
      if (!args.wait)
        return { text: `queued ${what}`, structured: { queued: true, repo: root, paths, waited: false, done: false, lastError: null }, hits: null };
      const last = await waitForIndex(deps, root, call, (args.timeout_seconds ?? 300) * 1000);
      const done = !last.running && last.pending === 0;
      const text = done
        ? `indexed ${what}${last.lastError ? ` (last error: ${last.lastError})` : ''}`
        : `still indexing ${what} after ${args.timeout_seconds ?? 300} s; it goes on in the background`;
      return { text, structured: { queued: true, repo: root, paths, waited: true, done, lastError: last.lastError }, hits: null };
    },
  });
}

/**
 * Waits until nothing is queued or running for `root`, sending progress when the run
 * moves. Cancelled (notifications/cancelled): the run is stopped before this returns.
 */
async function waitForIndex(deps: ToolDeps, root: string, call: ToolCall, timeoutMs: number): Promise<IndexActivity> {
  const deadline = Date.now() + timeoutMs;
  let sent = 0;
  let lastMessage = '';
  for (;;) {
    if (call.signal.aborted) {
      await deps.ctx.cancelIndex(root, 'cancelled by the MCP client');
      throw new ContextdError('aborted', `reindex of ${root} cancelled; the index run stopped and its work stays queued`);
    }
    const a = await deps.ctx.indexActivity(root);
    if ((!a.running && a.pending === 0) || Date.now() > deadline) return a;
    const message = a.progress ? `${a.progress.phase} ${a.progress.done}/${a.progress.total}` : a.running ? 'starting' : `${a.pending} job(s) queued`;
    if (message !== lastMessage) {
      lastMessage = message;
      // MCP progress must grow with every notification: count the updates; the message says where the run is.
      await call.progress(++sent, undefined, message);
    }
    await sleep(POLL_MS, undefined, { signal: call.signal }).catch(() => undefined);
  }
}
