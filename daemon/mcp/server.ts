/**
 * One MCP server per connection, with every contextd tool registered. Tools are
 * one module each under tools/; this file only assembles them.
 */
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { VERSION } from '../version.js';
import type { McpContext, McpSession } from './context.js';
import type { ToolDeps } from './toolkit.js';
import { registerFindSymbol } from './tools/find-symbol.js';
import { registerGetCode } from './tools/get-code.js';
import { registerIndexStatus } from './tools/index-status.js';
import { registerReindex } from './tools/reindex.js';
import { registerSearchCode } from './tools/search-code.js';
import { registerAskCodebase } from './tools/ask-codebase.js';
import { registerCodeHistory } from './tools/code-history.js';
import { registerRecentChanges } from './tools/recent-changes.js';
import { registerRelatedFiles } from './tools/related-files.js';

export type ToolRegistrar = (server: McpServer, deps: ToolDeps) => unknown;

export const TOOL_REGISTRARS: ToolRegistrar[] = [
  registerSearchCode,
  registerFindSymbol,
  registerGetCode,
  registerCodeHistory,
  registerRecentChanges,
  registerRelatedFiles,
  registerIndexStatus,
  registerReindex,
];

/** How often a session re-checks whether a local model answers (the engine caches the probe as long). */
export const ASK_PROBE_MS = Number(process.env.CONTEXTD_BACKEND_PROBE_MS) || 30_000;

export const SERVER_INSTRUCTIONS =
  'contextd indexes the git repositories the user registered. Use search_code to find code by meaning or by name, ' +
  'find_symbol for definitions, get_code to read a file or symbol with its history, index_status to see what is indexed and how fresh, ' +
  'and ask_codebase for an answer from the local model (when Ollama is configured) with path:line citations. ' +
  'Paths in results are repo-relative with 1-based inclusive line ranges.';

export function createMcpServer(ctx: McpContext, cwd: string | null): McpServer {
  const server = new McpServer({ name: 'contextd', version: VERSION }, { capabilities: { tools: { listChanged: true }, logging: {} }, instructions: SERVER_INSTRUCTIONS });
  const session: McpSession = {
    cwd,
    roots: async () => {
      if (!server.server.getClientCapabilities()?.roots) return [];
      const { roots } = await server.server.listRoots(undefined, { timeout: 2000 });
      return roots.filter((r) => r.uri.startsWith('file://')).map((r) => decodeURIComponent(new URL(r.uri).pathname));
    },
  };
  const deps: ToolDeps = { ctx, session };
  for (const register of TOOL_REGISTRARS) register(server, deps);
  followAskModel(server, registerAskCodebase(server, deps), ctx);
  return server;
}

/**
 * `ask_codebase` is listed only while a local model answers: hidden (with
 * `notifications/tools/list_changed`, which the SDK sends on disable/enable) when
 * Ollama is unreachable or the model is not pulled, listed again when it answers.
 */
function followAskModel(server: McpServer, tool: RegisteredTool, ctx: McpContext): void {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const check = async () => {
    const up = await ctx.askAvailable().catch(() => false);
    if (stopped) return;
    if (up && !tool.enabled) tool.enable();
    else if (!up && tool.enabled) tool.disable();
    timer = setTimeout(() => void check(), ASK_PROBE_MS);
    timer.unref();
  };
  tool.disable(); // until the first probe says a model answers (not connected yet: no notification)
  void check();
  const close = server.server.onclose;
  server.server.onclose = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    close?.();
  };
}
