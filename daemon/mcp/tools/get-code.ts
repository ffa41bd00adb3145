import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { DEFAULT_MAX_TOKENS, CHARS_PER_TOKEN } from '../budget.js';
import { confinePath, readConfined } from '../../repo/confine.js';
import { formatHistoryLine } from '../format.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { fileUri } from '../resource-uri.js';
import { historySummary, maxTokensArg, repoArg } from '../schemas.js';

export function registerGetCode(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'get_code',
    title: 'Get code',
    description:
      "Read code from a registered repository: a whole file, a line range (start/end, 1-based inclusive), or a symbol's definition (Cache.invalidate). " +
      'Returns numbered lines and who last changed them. Use it to read a hit from search_code in full; secrets and files outside the repository are refused.',
    input: {
      path: z.string().min(1).optional().describe('repo-relative path (or absolute inside a registered repository)'),
      start: z.number().int().min(1).optional().describe('first line (1-based)'),
      end: z.number().int().min(1).optional().describe('last line (inclusive)'),
      symbol: z.string().min(1).optional().describe('a symbol name (e.g. Cache.invalidate) instead of a line range'),
      repo: repoArg,
      max_tokens: maxTokensArg,
    },
    output: {
      repo: z.string(),
      path: z.string(),
      startLine: z.number().int(),
      endLine: z.number().int(),
      truncated: z.boolean().describe('stopped before the end of the range to fit the budget'),
      text: z.string(),
      history: historySummary.nullable(),
      uri: z.string(),
    },
    async run(args) {
      const root = await resolveRepo(deps, args.repo);
      let path = args.path;
      let start = args.start;
      let end = args.end;
      if (args.symbol) {
        const leaf = args.symbol.split(/[.:#]+/).pop()!;
        const found = await deps.ctx.engine.symbols(leaf, { repo: root ?? undefined, limit: 50, paths: path ? [path] : undefined });
        const want = args.symbol.replace(/::|#/g, '.');
        const exact = found.filter((s) => s.name === leaf && (want === leaf || `${s.container ? s.container + '.' : ''}${s.name}`.endsWith(want)));
        const def = exact[0];
        if (!def)
          throw new ContextdError('symbol-not-found', `no definition named ${JSON.stringify(args.symbol)}${root ? ` in ${root}` : ''}`, {
            hint: 'try find_symbol for fuzzy matches',
          });
        path = def.repo === root || !root ? (root ? def.path : `${def.repo}/${def.path}`) : `${def.repo}/${def.path}`;
        start = def.startLine;
        end = def.endLine;
      }
      if (!path) throw new ContextdError('bad-arguments', 'give path (with optional start/end) or symbol');
      if (start !== undefined && end !== undefined && end < start) throw new ContextdError('bad-arguments', `end (${end}) is before start (${start})`);
      const roots = await deps.ctx.registeredRoots();
      const target = confinePath(path, roots, root);
      const served = await readConfined(target, { start, end });
      // The first read after a search is what the client opened of it (the search history links them).
      const last = deps.session.lastSearch;
      if (last) {
        deps.session.lastSearch = undefined;
        const rank = last.hits.findIndex((h) => h.repo === target.root && h.path === target.rel);
        void deps.ctx.engine.searches.opened(last.id, target.rel, rank >= 0 ? rank + 1 : null);
      }
      const lines = served.lines;
      const from = served.firstLine;
      let to = from + lines.length - 1;
      const budgetChars = (args.max_tokens ?? DEFAULT_MAX_TOKENS) * CHARS_PER_TOKEN;
      const width = String(to).length;
      let body = '';
      let i = from;
      for (; i <= to; i++) {
        const line = `${String(i).padStart(width)}  ${lines[i - from]}\n`;
        if (body.length + line.length > budgetChars) break;
        body += line;
      }
      const truncated = i <= to;
      if (truncated) to = i - 1;
      // Blame of the lines served, from the history index (no git process); none when not computed.
      const history = await deps.ctx.engine.history(`${target.rel}:${from}-${to}`, { repo: target.root, cwd: target.root }).then(
        (r) => r.summary,
        () => null,
      );
      const hist = history ? formatHistoryLine({ history }) : '';
      const header = `${target.rel}:${from}-${to}${hist ? `\n${hist}` : ''}`;
      const note = truncated ? `\n… stopped at line ${to} to fit the budget; ask for start=${to + 1}` : '';
      return {
        text: `${header}\n\`\`\`\n${body}\`\`\`${note}`,
        structured: {
          repo: target.root,
          path: target.rel,
          startLine: from,
          endLine: to,
          truncated,
          text: lines.slice(0, to - from + 1).join('\n'),
          history: history ?? null,
          uri: fileUri({ root: target.root, path: target.rel, ...(to >= from ? { start: from, end: to } : {}) }, roots),
        },
        hits: 1,
      };
    },
  });
}
