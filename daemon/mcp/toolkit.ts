/** Shared plumbing for MCP tools: scope resolution, auditing, error results. */
import { resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ContextdError, errorMessage, isContextdError } from '../errors.js';
import type { McpContext, McpSession } from './context.js';
import { isInside } from '../repo/confine.js';

export interface ToolDeps {
  ctx: McpContext;
  session: McpSession;
}

const within = isInside;

/**
 * The repository a call is about: the `repo` argument (must be registered), else
 * the client's MCP roots or working directory when registered, else null (all).
 * Git decides which work tree a path is in (a worktree nested in a registered
 * repository's directory is not that repository); plain path prefixes are the fallback.
 */
export async function resolveRepo(deps: ToolDeps, repo?: string): Promise<string | null> {
  const roots = await deps.ctx.registeredRoots();
  const pick = (p: string) => roots.filter((r) => within(r, p) || within(p, r)).sort((a, b) => b.length - a.length)[0];
  const byGit = async (p: string) => (deps.ctx.repoForPath ? await deps.ctx.repoForPath(p, roots).catch(() => null) : null);
  if (repo) {
    const abs = resolve(repo);
    // The named path must lie inside a registered repository: a parent of one (`/`) names none.
    const root = (await byGit(abs)) ?? roots.filter((r) => within(r, abs)).sort((a, b) => b.length - a.length)[0];
    if (!root) {
      throw new ContextdError('not-registered', `${abs} is not a registered repository`, {
        hint: `register it with: contextd add ${JSON.stringify(abs)} (registered: ${roots.join(', ') || 'none'})`,
      });
    }
    return root;
  }
  const candidates = [...(await deps.session.roots().catch(() => [] as string[])), ...(deps.session.cwd ? [deps.session.cwd] : [])];
  for (const c of candidates) {
    const root = (await byGit(resolve(c))) ?? pick(resolve(c));
    if (root) return root;
  }
  return roots.length === 1 ? roots[0] : null;
}

export function textResult(text: string, structured?: Record<string, unknown>): CallToolResult {
  return structured ? { content: [{ type: 'text', text }], structuredContent: structured } : { content: [{ type: 'text', text }] };
}

export function errorResult(err: unknown): CallToolResult {
  const message = isContextdError(err) ? `${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}` : `internal error: ${errorMessage(err)}`;
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** Wraps a tool handler: timing, audit entry, and errors as MCP tool errors (never a crash). */
export function audited<A>(deps: ToolDeps, tool: string, fn: (args: A) => Promise<{ result: CallToolResult; hits: number | null }>) {
  return async (args: A): Promise<CallToolResult> => {
    const t0 = performance.now();
    try {
      const { result, hits } = await fn(args);
      deps.ctx.audit({ at: Date.now(), tool, args, durationMs: Math.round(performance.now() - t0), hits, error: null });
      return result;
    } catch (err) {
      deps.ctx.audit({ at: Date.now(), tool, args, durationMs: Math.round(performance.now() - t0), hits: null, error: errorMessage(err) });
      return errorResult(err);
    }
  };
}
