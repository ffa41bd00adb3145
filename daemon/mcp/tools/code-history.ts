import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { confinePath } from '../../repo/confine.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { historySummary, repoArg } from '../schemas.js';

export function registerCodeHistory(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'code_history',
    title: 'Code history',
    description:
      'Why code is the way it is: the commits that shaped a line range, a symbol or a file, newest first (sha, author, date, subject, the lines each still owns: git blame). ' +
      'Use it on code you are about to change; search_history finds when something was added or removed anywhere.',
    input: {
      path: z.string().min(1).describe('repo-relative path (or absolute inside a registered repository)'),
      start: z.number().int().min(1).optional().describe('first line (1-based)'),
      end: z.number().int().min(1).optional().describe('last line (inclusive)'),
      symbol: z.string().min(1).optional().describe('a symbol in that file (e.g. Cache.invalidate) instead of a range'),
      repo: repoArg,
      limit: z.number().int().min(1).max(100).optional().describe('most commits listed (default 15)'),
    },
    output: {
      repo: z.string(),
      path: z.string(),
      startLine: z.number().int(),
      endLine: z.number().int(),
      symbol: z.string().nullable(),
      summary: historySummary,
      commits: z.array(
        z.object({
          sha: z.string().nullable().describe('null: lines not committed yet'),
          author: z.string().nullable(),
          email: z.string().nullable(),
          date: z.string().nullable(),
          subject: z.string(),
          body: z.string(),
          lines: z.number().int(),
          ranges: z.array(z.tuple([z.number().int(), z.number().int()])),
        }),
      ),
      fileCommits: z.number().int(),
      formerNames: z.array(z.string()),
    },
    async run(args) {
      const root = await resolveRepo(deps, args.repo);
      const target = confinePath(args.path, await deps.ctx.registeredRoots(), root);
      if (args.start !== undefined && args.end !== undefined && args.end < args.start)
        throw new ContextdError('bad-arguments', `end (${args.end}) is before start (${args.start})`);
      const spec = args.symbol
        ? `${target.rel}#${args.symbol}`
        : args.start !== undefined
          ? `${target.rel}:${args.start}-${args.end ?? args.start}`
          : target.rel;
      const r = await deps.ctx.engine.history(spec, { repo: target.root, cwd: target.root });
      const commits = r.commits.slice(0, args.limit ?? 15);
      const lines = [
        `${r.path}:${r.startLine}-${r.endLine}${r.symbol ? `  ${r.symbol}` : ''} — ${r.summary.commits} commit(s), ${r.summary.authors} author(s) own these lines; ${r.fileCommits} commit(s) changed the file${r.formerNames.length ? ` (formerly ${r.formerNames.join(', ')})` : ''}`,
        ...commits.map((c) =>
          c.sha
            ? `${c.sha.slice(0, 8)} ${c.date?.slice(0, 10) ?? ''} ${c.author ?? ''}: ${c.subject}${c.lines ? ` (owns ${c.lines} line${c.lines === 1 ? '' : 's'}: ${c.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ')})` : ' (owns no line now)'}`
            : `(not committed yet: ${c.lines} line${c.lines === 1 ? '' : 's'})`,
        ),
      ];
      if (r.commits.length > commits.length) lines.push(`… ${r.commits.length - commits.length} more`);
      if (r.summary.note) lines.push(`note: ${r.summary.note}`);
      return { text: lines.join('\n'), structured: { ...r, commits }, hits: commits.length };
    },
  });
}
