import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { REF_KINDS } from '../../engine.js';
import { DEFAULT_MAX_TOKENS } from '../budget.js';
import { maxTokensArg, repoArg } from '../schemas.js';
import { defineTool, type ToolDeps } from '../toolkit.js';
import { budgetLines, definitionShape, graphTarget, minConfidenceArg, targetArg } from './graph-target.js';

export function registerFindReferences(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'find_references',
    title: 'Find references',
    description:
      'Every use of a function, method, class or variable (calls, reads, writes, imports, type uses, inheritance) with path:line:column, the enclosing symbol and a confidence. ' +
      'Resolved through imports, the enclosing class, self/this and packages (no type checker). Use it before changing or renaming something.',
    input: {
      target: targetArg,
      kinds: z
        .array(z.enum(REF_KINDS as unknown as [string, ...string[]]))
        .optional()
        .describe('only these kinds of use'),
      min_confidence: minConfidenceArg,
      repo: repoArg,
      max_tokens: maxTokensArg,
    },
    output: {
      definitions: z.array(definitionShape),
      references: z.array(
        z.object({
          path: z.string(),
          line: z.number().int(),
          column: z.number().int(),
          kind: z.string(),
          symbol: z.string().nullable(),
          confidence: z.number(),
        }),
      ),
      total: z.number().int().describe('references found (the list may be cut to the budget)'),
    },
    async run(args) {
      const { root, target } = await graphTarget(deps, args.target, args.repo);
      const r = await deps.ctx.engine.refs(target, { repo: root, cwd: root, min: args.min_confidence, kinds: args.kinds as never });
      const head = r.definitions.length ? r.definitions.map((d) => `${d.symbol} (${d.kind}) ${d.path}:${d.line}`) : [`no definition found for ${args.target}`];
      const lines = r.refs.map((x) => `${x.path}:${x.line}:${x.column}  ${x.kind}  ${x.confidence.toFixed(2)}  in ${x.symbol ?? '(top level)'}`);
      const page = budgetLines([...head, `${r.refs.length} reference(s)`], lines, args.max_tokens ?? DEFAULT_MAX_TOKENS);
      return {
        text: page.text,
        structured: {
          definitions: r.definitions.map((d) => ({ path: d.path, line: d.line, column: d.column, symbol: d.symbol, kind: d.kind })),
          references: r.refs.slice(0, page.shown),
          total: r.refs.length,
        },
        hits: r.refs.length,
      };
    },
  });
}
