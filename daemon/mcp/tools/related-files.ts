import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { confinePath } from '../../repo/confine.js';
import { audited, resolveRepo, textResult, type ToolDeps } from '../toolkit.js';

export function registerRelatedFiles(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'related_files',
    {
      title: 'Related files',
      description:
        'Files that usually change together with a given file (co-change in git history), with how many commits changed both and a confidence ' +
        '(share of the file’s commits that also changed the other). Use it to find what else to update or read.',
      inputSchema: {
        path: z.string().min(1).describe('repo-relative path (or absolute inside a registered repository)'),
        repo: z.string().optional().describe('absolute path of a registered repository (default: the current one)'),
        limit: z.number().int().min(1).max(100).optional().describe('most files listed (default 15)'),
      },
    },
    audited(deps, 'related_files', async (args: { path: string; repo?: string; limit?: number }) => {
      const root = await resolveRepo(deps, args.repo);
      const target = confinePath(args.path, await deps.ctx.registeredRoots(), root, { mustExist: false });
      const r = await deps.ctx.engine.related(target.rel, { repo: target.root, cwd: target.root, limit: args.limit ?? 15 });
      const head = `${r.path}: ${r.commits} commit(s)${r.ignoredCommits ? ` (+${r.ignoredCommits} ignored: over ${r.maxFiles} files)` : ''}`;
      const lines = r.related.map((f) => `${f.path}  ${f.count} shared commit(s), confidence ${(f.confidence * 100).toFixed(0)}%${f.exists ? '' : ' (gone now)'}`);
      return { result: textResult([head, ...(lines.length ? lines : ['no file changed together with it'])].join('\n'), { ...r } as unknown as Record<string, unknown>), hits: r.related.length };
    }),
  );
}
