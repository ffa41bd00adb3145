import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DEFAULT_MAX_TOKENS, fitToBudget, trimLines } from '../budget.js';
import { audited, resolveRepo, textResult, type ToolDeps } from '../toolkit.js';
import { formatHistoryLine } from '../format.js';
import { freshnessLine } from '../../index/freshness.js';

export function registerSearchCode(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'search_code',
    {
      title: 'Search code',
      description:
        'Search the indexed git repositories for code. Works for identifiers (parseJsonConfig), words (json config) and sentences ' +
        '("where do we retry failed uploads"). Returns ranked chunks (whole functions/classes) with path:start-end, symbol, and the code. ' +
        'Defaults to the repository of the current working directory.',
      inputSchema: {
        query: z.string().min(1).max(500).describe('what to look for'),
        repo: z.string().optional().describe('absolute path of a registered repository (default: the current one)'),
        paths: z.array(z.string()).optional().describe('path globs to restrict to, e.g. ["src/**", "*.py"]'),
        languages: z.array(z.string()).optional().describe('languages to restrict to, e.g. ["python", "typescript"]'),
        limit: z.number().int().min(1).max(50).optional().describe('number of hits (default 8)'),
        max_tokens: z.number().int().min(200).max(50_000).optional().describe(`output budget (default ${DEFAULT_MAX_TOKENS})`),
      },
    },
    audited(deps, 'search_code', async (args: { query: string; repo?: string; paths?: string[]; languages?: string[]; limit?: number; max_tokens?: number }) => {
      const root = await resolveRepo(deps, args.repo);
      const [hits, fresh] = await Promise.all([
        deps.ctx.engine.search(args.query, { repo: root ?? undefined, paths: args.paths, languages: args.languages, limit: args.limit ?? 8 }),
        root ? deps.ctx.freshness(root).catch(() => null) : Promise.resolve(null),
      ]);
      const changed = new Set(fresh?.changedFiles ?? []);
      const freshText = fresh ? `\n(${freshnessLine(fresh)})` : '';
      if (!hits.length) return { result: textResult(`No results for ${JSON.stringify(args.query)}${root ? ` in ${root}` : ''}.${freshText}`, { hits: [], freshness: fresh }), hits: 0 };
      const { text, trimmedItems } = fitToBudget(
        hits.map((h) => ({ h, code: h.text })),
        ({ h, code }, maxLines) => {
          const stale = changed.has(h.path) ? '  (file changed since indexed: lines may have moved)' : '';
          const ranked = h.why.length ? `  (${h.why.join('; ')})` : '';
          const head = `${h.repo === root ? '' : h.repo + ':'}${h.path}:${h.startLine}-${h.endLine}  ${h.symbol ?? `(${h.kind})`}  [${h.language}]${stale}${ranked}`;
          const hist = formatHistoryLine(h);
          return `${head}${hist ? `\n  ${hist}` : ''}\n\`\`\`${h.language}\n${trimLines(code, maxLines).text}\n\`\`\``;
        },
        args.max_tokens ?? DEFAULT_MAX_TOKENS,
      );
      const note = trimmedItems ? `\n(${trimmedItems} of ${hits.length} code blocks shortened to fit the ${args.max_tokens ?? DEFAULT_MAX_TOKENS}-token budget; use get_code for the full text)` : '';
      return {
        result: textResult(text + note + freshText, {
          hits: hits.map((h) => ({ repo: h.repo, path: h.path, startLine: h.startLine, endLine: h.endLine, symbol: h.symbol, kind: h.kind, language: h.language, score: h.score, retrievers: h.retrievers, why: h.why, stale: changed.has(h.path) })),
          trimmed: trimmedItems,
          freshness: fresh,
        }),
        hits: hits.length,
      };
    }),
  );
}
