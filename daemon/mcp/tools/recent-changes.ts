import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { CHARS_PER_TOKEN, DEFAULT_MAX_TOKENS } from '../budget.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { ContextdError } from '../../errors.js';
import { authorArg, maxTokensArg, repoArg } from '../schemas.js';

const changeCommit = z.object({ sha: z.string(), author: z.string(), email: z.string(), date: z.string(), subject: z.string() });

export function registerRecentChanges(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'recent_changes',
    title: 'Recent changes',
    description:
      'What changed recently in a repository, by file and by symbol, with commit subjects. since/until take durations (1w, 3d, 6mo) or dates (2025-01-01); default: the last week. ' +
      'Use it to catch up on a codebase or find what broke; search_history finds one change by its content.',
    input: {
      since: z.string().min(1).optional().describe('start of the window (default 1w)'),
      until: z.string().min(1).optional().describe('end of the window (default now)'),
      author: authorArg,
      paths: z.array(z.string().min(1)).max(50).optional().describe('only files under these repo-relative paths or prefixes'),
      repo: repoArg,
      max_tokens: maxTokensArg,
    },
    output: {
      repo: z.string(),
      since: z.string().nullable(),
      until: z.string().nullable(),
      commits: z.array(changeCommit),
      files: z.array(
        z.object({
          path: z.string(),
          status: z.string(),
          oldPath: z.string().nullable(),
          exists: z.boolean(),
          commits: z.array(changeCommit),
          symbols: z.array(
            z.object({
              symbol: z.string().nullable(),
              kind: z.string(),
              startLine: z.number().int(),
              endLine: z.number().int(),
              lines: z.number().int(),
              commits: z.array(z.string()),
            }),
          ),
        }),
      ),
      truncated: z.boolean().describe('more commits matched than were read'),
    },
    async run(args) {
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const r = await deps.ctx.engine.changes({ repo: root, since: args.since ?? '1w', until: args.until, author: args.author });
      const prefixes = args.paths?.map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
      const files = prefixes ? r.files.filter((f) => prefixes.some((p) => f.path === p || f.path.startsWith(p + '/'))) : r.files;
      const budget = (args.max_tokens ?? DEFAULT_MAX_TOKENS) * CHARS_PER_TOKEN;
      const out: string[] = [
        `${files.length} file(s) changed ${r.since ? `since ${r.since.slice(0, 10)}` : ''}${r.until ? ` until ${r.until.slice(0, 10)}` : ''} in ${r.commits.length} commit(s)${r.truncated ? ' (more commits than read)' : ''}`,
      ];
      let used = out[0].length;
      let shown = 0;
      for (const f of files) {
        const block = [
          `${f.path} [${f.status}${f.oldPath ? ` from ${f.oldPath}` : ''}${f.exists ? '' : ', gone now'}]`,
          ...f.commits.slice(0, 5).map((c) => `  ${c.sha.slice(0, 8)} ${c.date.slice(0, 10)} ${c.author}: ${c.subject}`),
          ...f.symbols.slice(0, 8).map((s) => `  · ${s.symbol ?? `(${s.kind})`} ${s.startLine}-${s.endLine}: ${s.lines} line(s) changed`),
        ].join('\n');
        if (used + block.length > budget) break;
        out.push(block);
        used += block.length;
        shown++;
      }
      if (shown < files.length) out.push(`… ${files.length - shown} more file(s) not shown (budget); narrow with paths or since`);
      return { text: out.join('\n'), structured: { ...r, files }, hits: files.length };
    },
  });
}
