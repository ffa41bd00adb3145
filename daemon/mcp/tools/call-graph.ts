import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DEFAULT_MAX_TOKENS } from '../budget.js';
import { maxTokensArg, repoArg } from '../schemas.js';
import { defineTool, type ToolDeps } from '../toolkit.js';
import { budgetLines, definitionShape, graphTarget, minConfidenceArg, targetArg } from './graph-target.js';

export const callNodeShape = z.object({
  symbol: z.string().nullable(),
  path: z.string(),
  line: z.number().int(),
  kind: z.string(),
  confidence: z.number(),
  depth: z.number().int(),
  sites: z.array(z.number().int()),
  via: z.string(),
});

export function registerCallGraph(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'call_graph',
    title: 'Call graph',
    description:
      'Who calls a function or method (direction "callers"), or what it calls (direction "callees"), to a depth, with the call-site lines and a confidence per edge (the product along a path). ' +
      'Use it to follow code across files; find_references lists every use, not only calls.',
    input: {
      target: targetArg,
      direction: z.enum(['callers', 'callees']).optional().describe('default callers'),
      depth: z.number().int().min(1).max(5).optional().describe('calls away (default 1)'),
      min_confidence: minConfidenceArg,
      repo: repoArg,
      max_tokens: maxTokensArg,
    },
    output: {
      definitions: z.array(definitionShape),
      direction: z.enum(['callers', 'callees']),
      nodes: z.array(callNodeShape),
      total: z.number().int(),
    },
    async run(args) {
      const { root, target } = await graphTarget(deps, args.target, args.repo);
      const direction = args.direction ?? 'callers';
      const scope = { repo: root, cwd: root, min: args.min_confidence, depth: args.depth };
      const engine = deps.ctx.engine;
      const r = direction === 'callers' ? await engine.callers(target, scope) : await engine.callees(target, scope);
      const nodes = 'callers' in r ? r.callers : r.callees;
      const head = r.definitions.length ? r.definitions.map((d) => `${d.symbol} (${d.kind}) ${d.path}:${d.line}`) : [`no definition found for ${args.target}`];
      const lines = nodes.map(
        (n) =>
          `${'  '.repeat(n.depth - 1)}${n.symbol ?? '(top level)'} ${n.path}:${n.line}  ${n.confidence.toFixed(2)}  lines ${n.sites.join(',')}  via ${n.via}`,
      );
      const page = budgetLines([...head, `${nodes.length} ${direction}`], lines, args.max_tokens ?? DEFAULT_MAX_TOKENS);
      return {
        text: page.text,
        structured: {
          definitions: r.definitions.map((d) => ({ path: d.path, line: d.line, column: d.column, symbol: d.symbol, kind: d.kind })),
          direction,
          nodes: nodes.slice(0, page.shown),
          total: nodes.length,
        },
        hits: nodes.length,
      };
    },
  });
}
