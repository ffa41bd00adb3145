/**
 * What the graph tools share: a target (`path:line[:col]`, confined like every path a client
 * names, or a symbol name) resolved to the Engine's spelling, and a token budget that keeps
 * the first lines of a listing and says how many it left out.
 */
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { confinePath } from '../../repo/confine.js';
import { DEFAULT_MAX_TOKENS, tokensOf } from '../budget.js';
import { resolveRepo, type ToolDeps } from '../toolkit.js';

export const targetArg = z
  .string()
  .min(1)
  .max(1000)
  .describe(
    '"path:line" (the definition on or around that line), "path:line:column" (a use there means what it names), or a symbol name ("load", "Store.get")',
  );

export const minConfidenceArg = z.number().min(0).max(1).optional().describe('leave out candidates below this confidence (default 0.4)');

export const definitionShape = z.object({ path: z.string(), line: z.number().int(), column: z.number().int(), symbol: z.string(), kind: z.string() });

/** The one repository a graph question is about (the graph does not span repositories). */
export async function graphRepo(deps: ToolDeps, repo: string | undefined): Promise<string> {
  const root = await resolveRepo(deps, repo);
  if (root) return root;
  const roots = await deps.ctx.registeredRoots();
  if (roots.length === 1) return roots[0];
  throw new ContextdError('bad-arguments', 'the code graph answers for one repository: pass repo', { hint: `registered: ${roots.join(', ') || 'none'}` });
}

/** The repository root and the target as the Engine takes it (cwd = the root). */
export async function graphTarget(deps: ToolDeps, target: string, repo: string | undefined): Promise<{ root: string; target: string }> {
  const root = await graphRepo(deps, repo);
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(target);
  if (!m) return { root, target };
  const file = confinePath(m[1], await deps.ctx.registeredRoots(), root, { mustExist: true });
  return { root: file.root, target: `${file.rel}:${m[2]}${m[3] ? `:${m[3]}` : ''}` };
}

/** The lines that fit the budget (head included), and how many were left out. */
export function budgetLines(head: string[], lines: string[], maxTokens = DEFAULT_MAX_TOKENS): { text: string; shown: number } {
  let used = head.reduce((n, l) => n + tokensOf(l) + 1, 0);
  let shown = 0;
  for (const l of lines) {
    const cost = tokensOf(l) + 1;
    if (used + cost > maxTokens && shown > 0) break;
    used += cost;
    shown++;
  }
  const rest = lines.length - shown;
  const tail = rest ? [`(${rest} more line(s) did not fit the ${maxTokens}-token budget: raise max_tokens or min_confidence)`] : [];
  return { text: [...head, ...lines.slice(0, shown), ...tail].join('\n'), shown };
}
