import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { fileUri, MAX_LINKS, resourceLink } from '../resource-uri.js';
import { repoArg } from '../schemas.js';

export function registerFindSymbol(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'find_symbol',
    title: 'Find symbol definitions',
    description:
      'Find where a function, class, method, type or constant is defined, by (part of) its name. Fuzzy: exact > prefix > camel/snake initials (pjc -> parseJsonConfig) > substring. ' +
      "Returns signatures with path:start-end. Use it when you know a name; outline lists one file's symbols; search_code finds code by what it does.",
    input: {
      name: z.string().min(1).max(200).describe('symbol name or part of it'),
      kind: z.string().min(1).optional().describe('class, function, method, interface, struct, enum, trait, type, constant, …'),
      repo: repoArg,
      limit: z.number().int().min(1).max(100).optional().describe('max definitions (default 10)'),
    },
    output: {
      symbols: z.array(
        z.object({
          repo: z.string(),
          name: z.string(),
          kind: z.string(),
          container: z.string().nullable(),
          path: z.string(),
          startLine: z.number().int(),
          endLine: z.number().int(),
          signature: z.string(),
          language: z.string(),
          match: z.string(),
          uri: z.string(),
        }),
      ),
    },
    async run(args) {
      const root = await resolveRepo(deps, args.repo);
      const hits = await deps.ctx.engine.symbols(args.name, { repo: root ?? undefined, kinds: args.kind ? [args.kind] : undefined, limit: args.limit ?? 10 });
      if (!hits.length) return { text: `No symbol matches ${JSON.stringify(args.name)}.`, structured: { symbols: [] }, hits: 0 };
      const roots = await deps.ctx.registeredRoots();
      const lines = hits.map((h) => {
        const full = h.container ? `${h.container}.${h.name}` : h.name;
        return `${full} (${h.kind}, ${h.match})  ${h.repo === root ? '' : h.repo + ':'}${h.path}:${h.startLine}-${h.endLine}\n  ${h.signature}`;
      });
      const uris = hits.map((h) => fileUri({ root: h.repo, path: h.path, start: h.startLine, end: h.endLine }, roots));
      return {
        text: lines.join('\n'),
        extra: hits
          .slice(0, MAX_LINKS)
          .map((h, i) => resourceLink(uris[i], `${h.path}:${h.startLine}-${h.endLine}`, h.container ? `${h.container}.${h.name}` : h.name)),
        structured: {
          symbols: hits.map((h, i) => ({
            repo: h.repo,
            name: h.name,
            kind: h.kind,
            container: h.container,
            path: h.path,
            startLine: h.startLine,
            endLine: h.endLine,
            signature: h.signature,
            language: h.language,
            match: h.match,
            uri: uris[i],
          })),
        },
        hits: hits.length,
      };
    },
  });
}
