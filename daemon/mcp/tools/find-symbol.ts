import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { audited, resolveRepo, textResult, type ToolDeps } from '../toolkit.js';

export function registerFindSymbol(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'find_symbol',
    {
      title: 'Find symbol definitions',
      description:
        'Find where a function, class, method, type or constant is defined, by name. Fuzzy: exact > prefix > camel/snake initials (pjc -> parseJsonConfig) > substring. ' +
        'Returns each definition with its signature and path:start-end.',
      inputSchema: {
        name: z.string().min(1).max(200).describe('symbol name or part of it'),
        kind: z.string().optional().describe('class, function, method, interface, struct, enum, trait, type, constant, …'),
        repo: z.string().optional().describe('absolute path of a registered repository (default: the current one)'),
        limit: z.number().int().min(1).max(100).optional().describe('max definitions (default 10)'),
      },
    },
    audited(deps, 'find_symbol', async (args: { name: string; kind?: string; repo?: string; limit?: number }) => {
      const root = await resolveRepo(deps, args.repo);
      const hits = await deps.ctx.engine.symbols(args.name, { repo: root ?? undefined, kinds: args.kind ? [args.kind] : undefined, limit: args.limit ?? 10 });
      if (!hits.length) return { result: textResult(`No symbol matches ${JSON.stringify(args.name)}.`, { symbols: [] }), hits: 0 };
      const lines = hits.map((h) => {
        const full = h.container ? `${h.container}.${h.name}` : h.name;
        return `${full} (${h.kind}, ${h.match})  ${h.repo === root ? '' : h.repo + ':'}${h.path}:${h.startLine}-${h.endLine}\n  ${h.signature}`;
      });
      return {
        result: textResult(lines.join('\n'), {
          symbols: hits.map((h) => ({ repo: h.repo, name: h.name, kind: h.kind, container: h.container, path: h.path, startLine: h.startLine, endLine: h.endLine, signature: h.signature, language: h.language, match: h.match })),
        }),
        hits: hits.length,
      };
    }),
  );
}
