import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DEFAULT_MAX_TOKENS, CHARS_PER_TOKEN } from '../budget.js';
import { audited, resolveRepo, textResult, type ToolDeps } from '../toolkit.js';
import { ContextdError } from '../../errors.js';

export function registerRecentChanges(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'recent_changes',
    {
      title: 'Recent changes',
      description:
        'What changed recently in a registered repository, grouped by file and by symbol, with the commit subjects. ' +
        'since/until take durations (1w, 3d, 6mo) or dates (2025-01-01); default: the last week.',
      inputSchema: {
        since: z.string().min(1).optional().describe('start of the window (default 1w)'),
        until: z.string().min(1).optional().describe('end of the window (default now)'),
        author: z.string().min(1).optional().describe('only commits by this author (name or email, substring)'),
        paths: z.array(z.string().min(1)).optional().describe('only files under these repo-relative paths or prefixes'),
        repo: z.string().optional().describe('absolute path of a registered repository (default: the current one)'),
        max_tokens: z.number().int().min(200).max(50_000).optional().describe(`output budget (default ${DEFAULT_MAX_TOKENS})`),
      },
    },
    audited(deps, 'recent_changes', async (args: { since?: string; until?: string; author?: string; paths?: string[]; repo?: string; max_tokens?: number }) => {
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const r = await deps.ctx.engine.changes({ repo: root, since: args.since ?? '1w', until: args.until, author: args.author });
      const prefixes = args.paths?.map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
      const files = prefixes ? r.files.filter((f) => prefixes.some((p) => f.path === p || f.path.startsWith(p + '/'))) : r.files;
      const budget = (args.max_tokens ?? DEFAULT_MAX_TOKENS) * CHARS_PER_TOKEN;
      const out: string[] = [`${files.length} file(s) changed ${r.since ? `since ${r.since.slice(0, 10)}` : ''}${r.until ? ` until ${r.until.slice(0, 10)}` : ''} in ${r.commits.length} commit(s)${r.truncated ? ' (more commits than read)' : ''}`];
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
      return { result: textResult(out.join('\n'), { ...r, files } as unknown as Record<string, unknown>), hits: files.length };
    }),
  );
}
