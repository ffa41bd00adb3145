import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { confinePath } from '../../repo/confine.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { repoArg } from '../schemas.js';

export function registerRelatedFiles(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'related_files',
    title: 'Related files',
    description:
      'Files that usually change together with a given file (co-change in git history): shared commits and a confidence (share of the file\u2019s commits that also changed the other). ' +
      'Use it before editing a file, to find what else to update or read (tests, schemas, callers).',
    input: {
      path: z.string().min(1).describe('repo-relative path (or absolute inside a registered repository)'),
      repo: repoArg,
      limit: z.number().int().min(1).max(100).optional().describe('most files listed (default 15)'),
    },
    output: {
      repo: z.string(),
      path: z.string(),
      formerNames: z.array(z.string()),
      commits: z.number().int(),
      ignoredCommits: z.number().int().describe('commits left out: they changed more than maxFiles files'),
      maxFiles: z.number().int(),
      related: z.array(z.object({ path: z.string(), count: z.number().int(), confidence: z.number(), exists: z.boolean() })),
    },
    async run(args) {
      const root = await resolveRepo(deps, args.repo);
      const target = confinePath(args.path, await deps.ctx.registeredRoots(), root, { mustExist: false });
      const r = await deps.ctx.engine.related(target.rel, { repo: target.root, cwd: target.root, limit: args.limit ?? 15 });
      const head = `${r.path}: ${r.commits} commit(s)${r.ignoredCommits ? ` (+${r.ignoredCommits} ignored: over ${r.maxFiles} files)` : ''}`;
      const lines = r.related.map(
        (f) => `${f.path}  ${f.count} shared commit(s), confidence ${(f.confidence * 100).toFixed(0)}%${f.exists ? '' : ' (gone now)'}`,
      );
      return { text: [head, ...(lines.length ? lines : ['no file changed together with it'])].join('\n'), structured: r, hits: r.related.length };
    },
  });
}
