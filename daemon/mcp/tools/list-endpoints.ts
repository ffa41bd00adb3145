import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DEFAULT_MAX_TOKENS } from '../budget.js';
import { maxTokensArg, repoArg } from '../schemas.js';
import { defineTool, type ToolDeps } from '../toolkit.js';
import { budgetLines, graphRepo } from './graph-target.js';

export function registerListEndpoints(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'list_endpoints',
    title: 'List HTTP endpoints',
    description:
      'The HTTP endpoints a repository declares (Express/Fastify/Koa/Hono route calls, Flask/FastAPI decorators, Spring mappings, Go net/http and gin): method, path, handler and file:line. ' +
      'Use it to find where a route is served; search_code with tags finds endpoints, database queries or error handling by meaning.',
    input: {
      path_prefix: z.string().min(1).max(500).optional().describe('only routes whose path starts with this, e.g. "/api"'),
      repo: repoArg,
      max_tokens: maxTokensArg,
    },
    output: {
      repo: z.string(),
      endpoints: z.array(z.object({ method: z.string(), path: z.string(), handler: z.string().nullable(), file: z.string(), line: z.number().int() })),
      total: z.number().int(),
    },
    async run(args) {
      const root = await graphRepo(deps, args.repo);
      const { repo, patterns } = await deps.ctx.engine.patterns('endpoint', { repo: root, cwd: root });
      const endpoints = patterns
        .map((p) => {
          const [method, ...rest] = p.detail.split(' ');
          return { method, path: rest.join(' '), handler: p.handler, file: p.path, line: p.line };
        })
        .filter((e) => !args.path_prefix || e.path.startsWith(args.path_prefix));
      const lines = endpoints.map((e) => `${e.method} ${e.path}  ${e.handler ?? '(inline)'}  ${e.file}:${e.line}`);
      const page = budgetLines([`${endpoints.length} endpoint(s)`], lines, args.max_tokens ?? DEFAULT_MAX_TOKENS);
      return { text: page.text, structured: { repo, endpoints: endpoints.slice(0, page.shown), total: endpoints.length }, hits: endpoints.length };
    },
  });
}
