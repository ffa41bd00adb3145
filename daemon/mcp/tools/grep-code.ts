import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { gitGrep, type GrepMatch } from '../../repo/grep.js';
import { globToRegex } from '../../search/glob.js';
import { parseTimeSpec } from '../../search/time.js';
import { redactSecrets } from '../../secrets.js';
import { CHARS_PER_TOKEN, DEFAULT_MAX_TOKENS } from '../budget.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { fileUri, MAX_LINKS, resourceLink } from '../resource-uri.js';
import { authorArg, languagesArg, maxTokensArg, pathsArg, repoArg, sinceArg, untilArg } from '../schemas.js';

/** Files whose blame is read for the author/since/until filter (each is one store read). */
const MAX_BLAMED_FILES = 200;

export function registerGrepCode(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'grep_code',
    title: 'Grep code (exact text or regex)',
    description:
      'Every line with an exact string or a regular expression (Perl syntax) in the indexed files of a repository: all call sites of a name, an error message, a config key. ' +
      'Same filters as search_code (paths, languages, author, since/until). Use search_code when you do not know the exact text.',
    input: {
      pattern: z.string().min(1).max(500).describe('the text to find (exact), or a regular expression with regex=true'),
      regex: z.boolean().optional().describe('pattern is a Perl-compatible regular expression (default false: exact text)'),
      ignore_case: z.boolean().optional(),
      repo: repoArg,
      paths: pathsArg,
      languages: languagesArg,
      author: authorArg,
      since: sinceArg,
      until: untilArg,
      limit: z.number().int().min(1).max(500).optional().describe('most matching lines (default 50)'),
      max_tokens: maxTokensArg,
    },
    output: {
      repo: z.string(),
      matches: z.array(z.object({ path: z.string(), line: z.number().int(), text: z.string(), language: z.string().nullable(), uri: z.string() })),
      files: z.number().int().describe('files with a match shown'),
      truncated: z.boolean().describe('more lines matched than shown (limit or budget): narrow with paths or a longer pattern'),
    },
    async run(args, call) {
      const root = await resolveRepo(deps, args.repo);
      if (!root) throw new ContextdError('no-repo', 'which repository? pass repo (several are registered)');
      const { files } = await deps.ctx.engine.indexedFiles(root);
      const view = new Map(files.filter((f) => f.status === 'indexed').map((f) => [f.path, f]));
      const pathRes = args.paths?.map((g) => new RegExp(globToRegex(g)));
      const langs = args.languages?.map((l) => l.toLowerCase());
      const accept = (p: string) => {
        const f = view.get(p);
        return !!f && (!pathRes || pathRes.some((r) => r.test(p))) && (!langs || langs.includes((f.language ?? '').toLowerCase()));
      };
      const limit = args.limit ?? 50;
      const byHistory = args.author || args.since || args.until;
      const found = await gitGrep(root, {
        pattern: args.pattern,
        syntax: args.regex ? 'regex' : 'fixed',
        ignoreCase: args.ignore_case,
        // With history filters, more lines are read than kept.
        maxMatches: byHistory ? Math.max(limit * 10, 1000) : limit,
        maxPerFile: 100,
        accept,
        signal: call.signal,
      });
      let matches = found.matches;
      let truncated = found.truncated;
      if (byHistory) {
        const { kept, blameCut } = await filterByLastChange(deps, root, matches, { author: args.author, since: args.since, until: args.until });
        truncated = truncated || kept.length > limit || blameCut;
        matches = kept.slice(0, limit);
      }
      const roots = await deps.ctx.registeredRoots();
      const budget = (args.max_tokens ?? DEFAULT_MAX_TOKENS) * CHARS_PER_TOKEN;
      const lines: string[] = [];
      let used = 0;
      let shown = 0;
      let lastPath = '';
      for (const m of matches) {
        const row = `${m.path === lastPath ? '' : `${m.path}\n`}  ${m.line}: ${redactSecrets(m.text)}`;
        if (used + row.length > budget && shown) break;
        lines.push(row);
        used += row.length + 1;
        lastPath = m.path;
        shown++;
      }
      if (shown < matches.length) truncated = true;
      const out = matches.slice(0, shown).map((m) => ({
        path: m.path,
        line: m.line,
        text: redactSecrets(m.text),
        language: view.get(m.path)?.language ?? null,
        uri: fileUri({ root, path: m.path, start: m.line, end: m.line }, roots),
      }));
      const nFiles = new Set(out.map((m) => m.path)).size;
      const head = out.length
        ? `${out.length} line(s) in ${nFiles} file(s)${truncated ? ' (more matched: narrow with paths, languages or a longer pattern, or raise limit)' : ''}`
        : `No indexed file of ${root} has ${JSON.stringify(args.pattern)}${byHistory ? ' in lines changed by the given author/time' : ''}.`;
      return {
        text: [head, ...lines].join('\n'),
        extra: out.slice(0, MAX_LINKS).map((m) => resourceLink(m.uri, `${m.path}:${m.line}`)),
        structured: { repo: root, matches: out, files: nFiles, truncated },
        hits: out.length,
      };
    },
  });
}

/**
 * Keeps matches whose line was last changed by a commit of the author / in the window
 * (the history index's blame, as search_code's filters). Lines not committed yet pass
 * no author filter; files past MAX_BLAMED_FILES are left out (blameCut).
 */
async function filterByLastChange(
  deps: ToolDeps,
  root: string,
  matches: GrepMatch[],
  f: { author?: string; since?: string; until?: string },
): Promise<{ kept: GrepMatch[]; blameCut: boolean }> {
  const since = f.since ? parseTimeSpec(f.since, 'start', 'since') : undefined;
  const until = f.until ? parseTimeSpec(f.until, 'end', 'until') : undefined;
  const who = f.author?.toLowerCase();
  const owners = new Map<string, Map<number, { author: string; email: string; date: number }> | null>();
  const kept: GrepMatch[] = [];
  let blameCut = false;
  for (const m of matches) {
    if (!owners.has(m.path)) {
      if (owners.size >= MAX_BLAMED_FILES) {
        blameCut = true;
        break;
      }
      const report = await deps.ctx.engine.history(m.path, { repo: root, cwd: root }).catch(() => null);
      const lines = new Map<number, { author: string; email: string; date: number }>();
      for (const c of report?.commits ?? []) {
        if (!c.sha) continue;
        for (const [a, b] of c.ranges)
          for (let l = a; l <= b; l++) lines.set(l, { author: c.author ?? '', email: c.email ?? '', date: Date.parse(c.date ?? '') / 1000 });
      }
      owners.set(m.path, report ? lines : null);
    }
    const owner = owners.get(m.path)?.get(m.line);
    if (!owner) continue;
    if (who && !owner.author.toLowerCase().includes(who) && !owner.email.toLowerCase().includes(who)) continue;
    if (since !== undefined && !(owner.date >= since)) continue;
    if (until !== undefined && !(owner.date <= until)) continue;
    kept.push(m);
  }
  return { kept, blameCut };
}
