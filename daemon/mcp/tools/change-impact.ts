import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { DEFAULT_MAX_TOKENS } from '../budget.js';
import { maxTokensArg, repoArg } from '../schemas.js';
import { defineTool, type ToolDeps } from '../toolkit.js';
import { callNodeShape } from './call-graph.js';
import { budgetLines, graphRepo, graphTarget, minConfidenceArg } from './graph-target.js';

export function registerChangeImpact(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'change_impact',
    title: 'Change impact',
    description:
      'What a change touches: the definitions it changes, their transitive callers, the tests that reach them, and files that historically change together with the changed files, each with a confidence. ' +
      'Give a target (a definition), or a change: "working" (uncommitted changes vs HEAD), "staged", or a commit / range ("HEAD", "abc123", "main..HEAD"). Use it before committing or reviewing.',
    input: {
      target: z.string().min(1).max(1000).optional().describe('a definition ("path:line" or a symbol name) instead of a change'),
      change: z.string().min(1).max(200).optional().describe('"working", "staged", or a commit or range'),
      depth: z.number().int().min(1).max(5).optional().describe('calls away to follow (default 3)'),
      min_confidence: minConfidenceArg,
      repo: repoArg,
      max_tokens: maxTokensArg,
    },
    output: {
      source: z.string(),
      changed: z.array(
        z.object({
          path: z.string(),
          line: z.number().int(),
          symbol: z.string(),
          kind: z.string(),
          lines: z.tuple([z.number().int(), z.number().int()]),
          deleted: z.boolean(),
        }),
      ),
      callers: z.array(callNodeShape),
      tests: z.array(z.object({ path: z.string(), symbol: z.string().nullable(), confidence: z.number(), depth: z.number().int() })),
      co_change: z.array(z.object({ path: z.string(), with: z.string(), commits: z.number().int(), confidence: z.number() })),
    },
    async run(args) {
      if ((args.target === undefined) === (args.change === undefined)) throw new ContextdError('bad-arguments', 'give exactly one of target and change');
      const scope = { min: args.min_confidence, depth: args.depth };
      let r;
      if (args.target) {
        const { root, target } = await graphTarget(deps, args.target, args.repo);
        r = await deps.ctx.engine.impact({ target }, { ...scope, repo: root, cwd: root });
      } else {
        const root = await graphRepo(deps, args.repo);
        const change = args.change!;
        if (change.startsWith('-')) throw new ContextdError('bad-rev', `not a revision: ${change}`);
        const spec = change === 'working' ? { diff: true as const } : change === 'staged' ? { staged: true } : { diff: change };
        r = await deps.ctx.engine.impact(spec, { ...scope, repo: root, cwd: root });
      }
      const lines = [
        ...r.changed.map((c) => `${c.deleted ? 'removed' : 'changed'} ${c.symbol} (${c.kind}) ${c.path}:${c.lines[0]}-${c.lines[1]}`),
        ...r.callers.map((c) => `caller ${'  '.repeat(c.depth - 1)}${c.symbol ?? '(top level)'} ${c.path}:${c.line}  ${c.confidence.toFixed(2)}  via ${c.via}`),
        ...r.tests.map((x) => `test ${x.path} ${x.symbol ?? ''}  ${x.confidence.toFixed(2)}`),
        ...r.coChange.map((c) => `co-change ${c.path}  ${c.confidence.toFixed(2)}  (${c.commits} commit(s) with ${c.with})`),
      ];
      const page = budgetLines(
        [r.source, `${r.changed.length} changed, ${r.callers.length} caller(s), ${r.tests.length} test(s)`],
        lines,
        args.max_tokens ?? DEFAULT_MAX_TOKENS,
      );
      return {
        text: page.text,
        structured: {
          source: r.source,
          changed: r.changed.map((c) => ({ path: c.path, line: c.line, symbol: c.symbol, kind: c.kind, lines: c.lines, deleted: c.deleted })),
          callers: r.callers,
          tests: r.tests,
          co_change: r.coChange,
        },
        hits: r.changed.length + r.callers.length,
      };
    },
  });
}
