import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { freshnessLine } from '../../index/freshness.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { freshness, repoArg } from '../schemas.js';

const signals = z.object({
  lexical: z.number(),
  path: z.number(),
  chunks: z.number(),
  commits: z.number(),
  cochange: z.number(),
  recency: z.number(),
  churn: z.number(),
});

export function registerLocateChange(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'locate_change',
    title: 'Locate a change',
    description:
      'Which files a described change would touch (a bug report, a task, a commit subject): ranked files, each with why ' +
      '(matching code path:lines, similar past commits that changed it, co-change partners, recency), sources and their tests told apart. ' +
      'The ranking is learned from this repository\u2019s own history. Use it before editing, to know where to start.',
    input: {
      description: z.string().min(1).max(2000).describe('the change, in words'),
      repo: repoArg,
      limit: z.number().int().min(1).max(50).optional().describe('most files listed (default 10)'),
    },
    output: {
      repo: z.string(),
      files: z.array(
        z.object({
          path: z.string(),
          score: z.number(),
          role: z.enum(['source', 'test']),
          paired: z.array(z.string()).describe('tests of a source file, sources of a test file'),
          reasons: z.array(z.string()),
          signals,
        }),
      ),
      model: z.object({
        source: z.enum(['learned', 'defaults']),
        reason: z.string(),
        trainedCommit: z.string().nullable(),
        replayedCommits: z.number().int(),
        retraining: z.boolean().describe('new weights are being learned in the background: a later call ranks with them'),
      }),
      freshness: freshness.nullable(),
    },
    async run(args) {
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const [r, fresh] = await Promise.all([
        deps.ctx.engine.locate(args.description, { repo: root, limit: args.limit ?? 10, background: true }),
        deps.ctx.freshness(root).catch(() => null),
      ]);
      const lines = r.files.flatMap((f, i) => [
        `${i + 1}. ${f.path}${f.role === 'test' ? ' [test]' : ''} (${f.score.toFixed(3)})`,
        ...f.reasons.map((x) => `   - ${x}`),
      ]);
      const model = r.model;
      const how = `weights: ${model.source === 'learned' ? 'learned from this repository' : 'defaults'} (${model.training.reason})${r.training ? '; learning from the history now' : ''}`;
      return {
        text: [...(lines.length ? lines : ['no file matches the description']), how, ...(fresh ? [`(${freshnessLine(fresh)})`] : [])].join('\n'),
        structured: {
          repo: r.repo,
          files: r.files,
          model: {
            source: model.source,
            reason: model.training.reason,
            trainedCommit: model.trainedCommit,
            replayedCommits: model.training.queries,
            retraining: r.training,
          },
          freshness: fresh,
        },
        hits: r.files.length,
      };
    },
  });
}
