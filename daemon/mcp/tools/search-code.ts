import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DEFAULT_MAX_TOKENS, fitPage, trimLines } from '../budget.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { formatHistoryLine } from '../format.js';
import { freshnessLine } from '../../index/freshness.js';
import { SEARCH_MODES } from '../../search/semantic.js';
import { toPublicHit } from '../../search/public-hit.js';
import { makeCursor, readCursor } from '../cursor.js';
import { fileUri, resourceLink } from '../resource-uri.js';
import { authorArg, cursorArg, freshness, languagesArg, maxTokensArg, pathsArg, publicHit, repoArg, sinceArg, untilArg } from '../schemas.js';

export function registerSearchCode(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'search_code',
    title: 'Search code',
    description:
      'Find code by meaning or name: identifiers (parseJsonConfig), words (json config) or sentences ("where do we retry failed uploads"). ' +
      'Returns ranked whole functions/classes with path:start-end and code. Filters: paths, languages, author, since/until (who/when lines last changed). ' +
      'Use grep_code for exact text, find_symbol for a definition by name.',
    input: {
      query: z.string().min(1).max(500).describe('what to look for'),
      repo: repoArg,
      paths: pathsArg,
      languages: languagesArg,
      mode: z
        .enum(SEARCH_MODES as [string, ...string[]])
        .optional()
        .describe('hybrid (default: every retriever fused), lexical, semantic or symbol'),
      author: authorArg,
      since: sinceArg,
      until: untilArg,
      history: z.boolean().optional().describe('rank by the commit messages that touched the code (find code by why it changed)'),
      boost_recent: z.boolean().optional().describe('rank recently changed code higher'),
      limit: z.number().int().min(1).max(50).optional().describe('hits per page (default 8)'),
      max_tokens: maxTokensArg,
      cursor: cursorArg,
    },
    output: {
      hits: z.array(publicHit),
      trimmed: z.number().int().describe('hits whose code was shortened to fit the budget'),
      next_cursor: z.string().nullable().describe('more hits did not fit the budget: call again with cursor = this'),
      freshness: freshness.nullable(),
    },
    async run(args) {
      const offset = readCursor(args);
      const root = await resolveRepo(deps, args.repo);
      const limit = args.limit ?? 8;
      const searchId = deps.ctx.engine.searches.newId();
      const [all, fresh] = await Promise.all([
        deps.ctx.engine.search(args.query, {
          origin: { frontEnd: 'mcp', id: searchId },
          repo: root ?? undefined,
          paths: args.paths,
          languages: args.languages,
          mode: args.mode as (typeof SEARCH_MODES)[number] | undefined,
          author: args.author,
          since: args.since,
          until: args.until,
          history: args.history,
          boostRecent: args.boost_recent,
          limit: offset + limit,
        }),
        root ? deps.ctx.freshness(root).catch(() => null) : Promise.resolve(null),
      ]);
      const hits = all.slice(offset);
      deps.session.lastSearch = { id: searchId, hits: all.map((h) => ({ repo: h.repo, path: h.path })) };
      const roots = await deps.ctx.registeredRoots();
      const changed = new Set(fresh?.changedFiles ?? []);
      const freshText = fresh ? `\n(${freshnessLine(fresh)})` : '';
      if (!hits.length) {
        const none = offset ? 'No more results' : `No results for ${JSON.stringify(args.query)}${root ? ` in ${root}` : ''}`;
        return { text: `${none}.${freshText}`, structured: { hits: [], trimmed: 0, next_cursor: null, freshness: fresh }, hits: 0 };
      }
      const budget = args.max_tokens ?? DEFAULT_MAX_TOKENS;
      const codeOf = new Map<number, string>();
      const page = fitPage(
        hits.map((h, i) => ({ h, i })),
        ({ h, i }, maxLines) => {
          const code = trimLines(h.text, maxLines).text;
          codeOf.set(i, code);
          const stale = changed.has(h.path) ? '  (file changed since indexed: lines may have moved)' : '';
          const ranked = h.why.length ? `  (${h.why.join('; ')})` : '';
          const head = `${h.repo === root ? '' : h.repo + ':'}${h.path}:${h.startLine}-${h.endLine}  ${h.symbol ?? `(${h.kind})`}  [${h.language}]${stale}${ranked}`;
          const hist = formatHistoryLine(h);
          return `${head}${hist ? `\n  ${hist}` : ''}\n\`\`\`${h.language}\n${code}\n\`\`\``;
        },
        budget,
      );
      const shown = hits.slice(0, page.shown);
      const next = page.shown < hits.length ? makeCursor(args, offset + page.shown) : null;
      const notes = [
        page.trimmedItems
          ? `(${page.trimmedItems} of ${shown.length} code blocks shortened to fit the ${budget}-token budget; use get_code for the full text)`
          : '',
        next ? `(${hits.length - page.shown} more hit(s) did not fit the ${budget}-token budget: call again with cursor "${next}")` : '',
      ].filter(Boolean);
      const uris = shown.map((h) => fileUri({ root: h.repo, path: h.path, start: h.startLine, end: h.endLine }, roots));
      const links = shown.map((h, i) => resourceLink(uris[i], `${h.path}:${h.startLine}-${h.endLine}`, h.symbol));
      return {
        text: [page.text, ...notes].join('\n') + freshText,
        extra: links,
        structured: {
          hits: shown.map((h, i) => ({ ...toPublicHit(h, fresh), uri: uris[i], code: codeOf.get(i) ?? h.text })),
          trimmed: page.trimmedItems,
          next_cursor: next,
          freshness: fresh,
        },
        hits: shown.length,
      };
    },
  });
}
