import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { globToRegex } from '../../search/glob.js';
import { makeCursor, readCursor } from '../cursor.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { fileUri } from '../resource-uri.js';
import { cursorArg, languagesArg, repoArg } from '../schemas.js';

export function registerListFiles(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'list_files',
    title: 'List files',
    description:
      'The files contextd indexed in a repository, optionally matching a glob ("src/**/*.ts", "*.py") or languages, sorted by path, with language and size. ' +
      'Use it to find where things live; include_skipped also lists files left out of the index (and why).',
    input: {
      glob: z
        .string()
        .min(1)
        .max(500)
        .optional()
        .describe('path glob: ** crosses directories, * does not; a glob without / matches the file name anywhere (default: every file)'),
      languages: languagesArg,
      include_skipped: z.boolean().optional().describe('also list files the index skipped (binary, generated, secrets by name, too large), with the reason'),
      repo: repoArg,
      limit: z.number().int().min(1).max(2000).optional().describe('files per page (default 200)'),
      cursor: cursorArg,
    },
    output: {
      repo: z.string(),
      total: z.number().int().describe('files matching, over all pages'),
      files: z.array(z.object({ path: z.string(), language: z.string().nullable(), size: z.number().int(), skipped: z.string().nullable(), uri: z.string() })),
      next_cursor: z.string().nullable(),
    },
    async run(args) {
      const offset = readCursor(args);
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const { files } = await deps.ctx.engine.indexedFiles(root);
      const re = args.glob ? new RegExp(globToRegex(args.glob)) : null;
      const langs = args.languages?.map((l) => l.toLowerCase());
      const matching = files.filter(
        (f) => (args.include_skipped || f.status === 'indexed') && (!re || re.test(f.path)) && (!langs || langs.includes((f.language ?? '').toLowerCase())),
      );
      const limit = args.limit ?? 200;
      const page = matching.slice(offset, offset + limit);
      const next = offset + limit < matching.length ? makeCursor(args, offset + limit) : null;
      const roots = await deps.ctx.registeredRoots();
      const lines = page.map(
        (f) => `${f.path}${f.language ? `  [${f.language}]` : ''}${f.status === 'skipped' ? `  (skipped: ${f.skipReason ?? 'unknown'})` : ''}`,
      );
      const head = matching.length
        ? `${matching.length} file(s)${next ? `, showing ${offset + 1}-${offset + page.length}; next page: cursor "${next}"` : ''}`
        : `No indexed file matches${args.glob ? ` ${JSON.stringify(args.glob)}` : ''}.`;
      return {
        text: [head, ...lines].join('\n'),
        structured: {
          repo: root,
          total: matching.length,
          files: page.map((f) => ({
            path: f.path,
            language: f.language,
            size: f.size,
            skipped: f.status === 'skipped' ? (f.skipReason ?? 'unknown') : null,
            uri: fileUri({ root, path: f.path }, roots),
          })),
          next_cursor: next,
        },
        hits: page.length,
      };
    },
  });
}
