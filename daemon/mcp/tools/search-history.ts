import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { confinePath } from '../../repo/confine.js';
import { searchHistory, type HistoryMatch } from '../../repo/pickaxe.js';
import { parseTimeSpec } from '../../search/time.js';
import { CHARS_PER_TOKEN, DEFAULT_MAX_TOKENS } from '../budget.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { authorArg, maxTokensArg, repoArg } from '../schemas.js';

export function registerSearchHistory(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'search_history',
    title: 'Search commit history',
    description:
      'Find commits by their messages or by what their diffs added or removed (a pickaxe): "when was retryUpload added or removed", "which commit mentioned the cache race". ' +
      'Returns commits newest first with the changed lines that hold the text. Use code_history for the history of one piece of code.',
    input: {
      query: z.string().min(1).max(500).describe('text to look for (exact), or a regular expression with regex=true'),
      in: z.enum(['messages', 'diffs', 'both']).optional().describe('commit messages, added/removed code, or both (default)'),
      regex: z.boolean().optional().describe('query is a regular expression (Perl syntax for messages, POSIX extended for diffs)'),
      ignore_case: z.boolean().optional(),
      author: authorArg,
      since: z.string().min(1).optional().describe('commits since: a duration (2w, 6mo) or a date (2025-01-01)'),
      until: z.string().min(1).optional().describe('commits until (same forms)'),
      paths: z.array(z.string().min(1)).max(50).optional().describe('only commits touching these repo-relative files or directories'),
      repo: repoArg,
      limit: z.number().int().min(1).max(100).optional().describe('most commits (default 20)'),
      max_tokens: maxTokensArg,
    },
    output: {
      repo: z.string(),
      commits: z.array(
        z.object({
          sha: z.string(),
          author: z.string(),
          email: z.string(),
          date: z.string(),
          subject: z.string(),
          files: z.array(z.string()),
          lines: z.array(z.object({ path: z.string(), sign: z.enum(['+', '-']), text: z.string() })),
          matched: z.array(z.enum(['message', 'diff'])),
        }),
      ),
    },
    async run(args, call) {
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const roots = await deps.ctx.registeredRoots();
      // Literal pathspecs: a path is never read as git pathspec magic.
      const paths = args.paths?.map((p) => `:(literal)${confinePath(p, roots, root, { mustExist: false }).rel}`);
      const limit = args.limit ?? 20;
      const common = {
        query: args.query,
        syntax: args.regex ? ('regex' as const) : ('fixed' as const),
        ignoreCase: args.ignore_case,
        author: args.author,
        since: args.since ? parseTimeSpec(args.since, 'start', 'since') : undefined,
        until: args.until ? parseTimeSpec(args.until, 'end', 'until') : undefined,
        paths,
        limit,
        signal: call.signal,
      };
      const where = args.in ?? 'both';
      // A pickaxe over a long history takes seconds: a client that asked for progress hears of each search as it ends.
      const parts = where === 'both' ? 2 : 1;
      let ended = 0;
      const search = async (what: 'messages' | 'diffs') => {
        const found = await searchHistory(root, { ...common, where: what });
        await call.progress(++ended, parts, `${what} searched: ${found.length} commit(s)`);
        return found;
      };
      const [messages, diffs] = await Promise.all([
        where !== 'diffs' ? search('messages') : Promise.resolve([] as HistoryMatch[]),
        where !== 'messages' ? search('diffs') : Promise.resolve([] as HistoryMatch[]),
      ]);
      const bySha = new Map<string, HistoryMatch & { matched: ('message' | 'diff')[] }>();
      for (const m of messages) bySha.set(m.sha, { ...m, matched: ['message'] });
      for (const d of diffs) {
        const known = bySha.get(d.sha);
        if (known) {
          known.matched.push('diff');
          known.lines = d.lines;
          known.files = [...new Set([...known.files, ...d.files])];
        } else bySha.set(d.sha, { ...d, matched: ['diff'] });
      }
      const commits = [...bySha.values()].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)).slice(0, limit);
      const budget = (args.max_tokens ?? DEFAULT_MAX_TOKENS) * CHARS_PER_TOKEN;
      const out: string[] = [
        commits.length
          ? `${commits.length} commit(s)`
          : `No commit ${where === 'messages' ? 'message has' : where === 'diffs' ? 'added or removed' : 'message or diff has'} ${JSON.stringify(args.query)}.`,
      ];
      let used = out[0].length;
      for (const c of commits) {
        const block = [
          `${c.sha.slice(0, 10)} ${c.date.slice(0, 10)} ${c.author}: ${c.subject}  [${c.matched.join('+')}]`,
          ...c.lines.map((l) => `  ${l.sign === '+' ? 'added' : 'removed'} in ${l.path}: ${l.text}`),
          ...(c.lines.length ? [] : c.files.slice(0, 5).map((f) => `  ${f}`)),
        ].join('\n');
        if (used + block.length > budget) {
          out.push('… more commits did not fit the budget: narrow with paths, since or limit');
          break;
        }
        out.push(block);
        used += block.length;
      }
      return { text: out.join('\n'), structured: { repo: root, commits }, hits: commits.length };
    },
  });
}
