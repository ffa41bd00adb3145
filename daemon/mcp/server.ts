/**
 * One MCP server per connection, with every contextd tool and the resources
 * registered. Tools are one module each under tools/; this file only assembles them,
 * in a fixed order (tools/list answers in registration order: clients and the
 * snapshot test see the same list every time).
 */
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { VERSION } from '../version.js';
import type { McpContext, McpSession } from './context.js';
import type { ToolDeps } from './toolkit.js';
import { registerResources } from './resources.js';
import { registerFindSymbol } from './tools/find-symbol.js';
import { registerGetCode } from './tools/get-code.js';
import { registerIndexStatus } from './tools/index-status.js';
import { registerReindex } from './tools/reindex.js';
import { registerSearchCode } from './tools/search-code.js';
import { registerAskCodebase } from './tools/ask-codebase.js';
import { registerCodeHistory } from './tools/code-history.js';
import { registerRecentChanges } from './tools/recent-changes.js';
import { registerRelatedFiles } from './tools/related-files.js';
import { registerLocateChange } from './tools/locate-change.js';
import { registerGrepCode } from './tools/grep-code.js';
import { registerSearchHistory } from './tools/search-history.js';
import { registerOutline } from './tools/outline.js';
import { registerListFiles } from './tools/list-files.js';
import { registerGetConfig } from './tools/get-config.js';
import { registerFindReferences } from './tools/find-references.js';
import { registerCallGraph } from './tools/call-graph.js';
import { registerChangeImpact } from './tools/change-impact.js';
import { registerListEndpoints } from './tools/list-endpoints.js';

export type ToolRegistrar = (server: McpServer, deps: ToolDeps) => unknown;

/** Finding code, reading it, its history, then the index itself. ask_codebase comes last (it follows the local model). */
export const TOOL_REGISTRARS: ToolRegistrar[] = [
  registerSearchCode,
  registerGrepCode,
  registerFindSymbol,
  registerOutline,
  registerFindReferences,
  registerCallGraph,
  registerChangeImpact,
  registerListEndpoints,
  registerListFiles,
  registerGetCode,
  registerCodeHistory,
  registerSearchHistory,
  registerRecentChanges,
  registerRelatedFiles,
  registerLocateChange,
  registerIndexStatus,
  registerGetConfig,
  registerReindex,
];

/** How often a session re-checks whether a local model answers (the engine caches the probe as long). */
export const ASK_PROBE_MS = Number(process.env.CONTEXTD_BACKEND_PROBE_MS) || 30_000;

export const SERVER_INSTRUCTIONS =
  'contextd indexes the git repositories the user registered (default: the one the client works in). ' +
  'Find code with search_code (by meaning or name), grep_code (exact text or regex), find_symbol (a definition by name); ' +
  'follow code with find_references, call_graph and change_impact (what a diff touches); list HTTP routes with list_endpoints; ' +
  "see structure with outline (one file) and list_files (a glob); read with get_code or resources/read on a hit's contextd:// URI; " +
  'learn why with code_history (one piece of code), search_history (when something was added or removed), recent_changes and related_files; ' +
  'locate_change ranks the files a described change would touch. ' +
  'index_status says how fresh the index is. ask_codebase (when a local model is configured) answers with path:line citations. ' +
  'Paths are repo-relative; lines are 1-based and inclusive.';

export function createMcpServer(ctx: McpContext, cwd: string | null): McpServer {
  const server = new McpServer(
    { name: 'contextd', title: 'contextd', version: VERSION },
    { capabilities: { tools: { listChanged: true }, resources: {}, logging: {} }, instructions: SERVER_INSTRUCTIONS },
  );
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
  registerResources(server, deps);
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
