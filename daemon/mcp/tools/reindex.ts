import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { confinePath } from '../../repo/confine.js';
import { audited, resolveRepo, textResult, type ToolDeps } from '../toolkit.js';

export function registerReindex(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'reindex',
    {
      title: 'Reindex',
      description: 'Queue a refresh of a registered repository (or some of its paths) and return at once; the index is otherwise kept fresh automatically by git hooks and file events.',
      inputSchema: {
        repo: z.string().optional().describe('absolute path of a registered repository (default: the current one)'),
        paths: z.array(z.string().min(1)).max(1000).optional().describe('repo-relative paths to refresh (default: the whole tree)'),
      },
    },
    audited(deps, 'reindex', async (args: { repo?: string; paths?: string[] }) => {
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const roots = await deps.ctx.registeredRoots();
      const paths = args.paths?.map((p) => confinePath(p, roots, root, { mustExist: false }).rel);
      await deps.ctx.reindex(root, paths);
      return { result: textResult(`queued ${paths ? `${paths.length} path(s) in ` : ''}${root}`, { queued: true, repo: root, paths: paths ?? null }), hits: null };
    }),
  );
}
