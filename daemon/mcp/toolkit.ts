/** Shared plumbing for MCP tools: definition (strict input, annotations, typed output), scope resolution, auditing, error results. */
import { resolve } from 'node:path';
import { z, type ZodRawShape } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ContentBlock, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { ContextdError, errorMessage, isContextdError } from '../errors.js';
import type { McpContext, McpSession } from './context.js';
import { isInside } from '../repo/confine.js';

export interface ToolDeps {
  ctx: McpContext;
  session: McpSession;
}

const within = isInside;

/**
 * The repository a call is about: the `repo` argument (must be registered), else the
 * client's MCP roots or working directory. A client that is somewhere (roots, the
 * bridge's cwd) but in no registered repository gets an error saying so and how to add
 * it: answering from other repositories would look like an answer about its code.
 * Only a client that says nothing about where it is (a plain socket client) gets the one
 * registered repository, or all of them (null).
 * Git decides which work tree a path is in (a worktree nested in a registered
 * repository's directory is not that repository); plain path prefixes are the fallback.
 */
export async function resolveRepo(deps: ToolDeps, repo?: string): Promise<string | null> {
  const roots = await deps.ctx.registeredRoots();
  const pick = (p: string) => roots.filter((r) => within(r, p) || within(p, r)).sort((a, b) => b.length - a.length)[0];
  const byGit = async (p: string) => (deps.ctx.repoForPath ? await deps.ctx.repoForPath(p, roots).catch(() => null) : null);
  const registered = roots.join(', ') || 'none';
  if (repo) {
    const abs = resolve(repo);
    // The named path must lie inside a registered repository: a parent of one (`/`) names none.
    const root = (await byGit(abs)) ?? roots.filter((r) => within(r, abs)).sort((a, b) => b.length - a.length)[0];
    if (!root) {
      throw new ContextdError('not-registered', `${abs} is not a registered repository`, {
        hint: `register it with: contextd add ${JSON.stringify(abs)} (registered: ${registered})`,
      });
    }
    return root;
  }
  const candidates = [...(await deps.session.roots().catch(() => [] as string[])), ...(deps.session.cwd ? [deps.session.cwd] : [])].map((c) => resolve(c));
  for (const c of candidates) {
    const root = (await byGit(c)) ?? pick(c);
    if (root) return root;
  }
  if (candidates.length) {
    throw new ContextdError('not-registered', `${candidates[0]} is not in a registered repository, so contextd has no index of it`, {
      hint: `register it with: contextd add ${JSON.stringify(candidates[0])}; or pass repo, one of: ${registered}`,
    });
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

/** What a running tool call can use besides its arguments. */
export interface ToolCall {
  /** Aborted when the client sends notifications/cancelled for this call (or the session ends). */
  signal: AbortSignal;
  /** notifications/progress for this call when the client gave a progress token; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** What a tool returns: text for people and models, the typed result, and extra blocks (resource links). */
export interface ToolOutcome<S> {
  text: string;
  structured: S;
  /** Blocks after the text (resource_link per hit). */
  extra?: ContentBlock[];
  /** Counted in the audit log (hits returned); null when the tool returns no hits. */
  hits: number | null;
}

/**
 * Every tool is read-only, idempotent and closed-world unless it says otherwise: it
 * reads a local index and local git repositories, and changes nothing.
 */
const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export interface ToolSpec<I extends ZodRawShape, O extends ZodRawShape> {
  name: string;
  title: string;
  /** When to use this tool rather than another; under ~400 characters. */
  description: string;
  input: I;
  output: O;
  /** Overrides of the read-only defaults (reindex). */
  annotations?: Partial<ToolAnnotations>;
  run(args: z.output<z.ZodObject<I>>, call: ToolCall): Promise<ToolOutcome<z.input<z.ZodObject<O>>>>;
}

/**
 * Registers a tool: arguments the schema does not name are refused (strict object, so a
 * typo'd or invented argument is a tool error, not silently ignored); the structured
 * result is parsed by the output schema before it leaves (it always validates, extra
 * fields are dropped), the text is kept beside it; every call is audited and every
 * failure becomes an `isError` result with a message, never a crash.
 */
export function defineTool<I extends ZodRawShape, O extends ZodRawShape>(server: McpServer, deps: ToolDeps, spec: ToolSpec<I, O>): RegisteredTool {
  const input = z.object(spec.input).strict();
  const output = z.object(spec.output);
  const handler = async (args: z.output<typeof input>, extra: ToolExtra): Promise<CallToolResult> => {
    const t0 = performance.now();
    const audit = (hits: number | null, error: string | null) =>
      deps.ctx.audit({ at: Date.now(), tool: spec.name, args, durationMs: Math.round(performance.now() - t0), hits, error });
    try {
      const outcome = await spec.run(args, toolCall(extra));
      const structured = output.parse(outcome.structured) as Record<string, unknown>;
      audit(outcome.hits, null);
      return { content: [{ type: 'text', text: outcome.text }, ...(outcome.extra ?? [])], structuredContent: structured };
    } catch (err) {
      audit(null, errorMessage(err));
      return errorResult(err);
    }
  };
  // The SDK's generic overloads cannot see through a schema built here; the handler's types are checked above.
  const register = server.registerTool.bind(server) as unknown as (name: string, config: object, cb: typeof handler) => RegisteredTool;
  return register(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: input,
      outputSchema: output,
      annotations: { title: spec.title, ...READ_ONLY, ...spec.annotations },
    },
    handler,
  );
}

/** The part of the SDK's request extra a tool uses. */
interface ToolExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (n: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; total?: number; message?: string };
  }) => Promise<void>;
}

function toolCall(extra: ToolExtra): ToolCall {
  const token = extra._meta?.progressToken;
  return {
    signal: extra.signal,
    progress: async (progress, total, message) => {
      if (token === undefined || extra.signal.aborted) return;
      await extra
        .sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) },
        })
        .catch(() => undefined);
    },
  };
}
