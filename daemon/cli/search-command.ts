import type { Command } from 'commander';
import { bold, collectList, cyan, dim, parseLimit, printJson, yellow } from './output.js';
import { freshnessLine } from '../index/freshness.js';
import { defaultRepo, withSearchingEngine } from './run.js';
import { ContextdError } from '../errors.js';
import { formatGutter, numberExcerpt, queryWords } from './gutter.js';
import { SEARCH_MODES, type SearchMode } from '../search/semantic.js';
import { day, shortSha } from './history-format.js';
import { toPublicHit } from '../search/public-hit.js';
import { PATTERN_TAGS, type PatternTag } from '../engine.js';

function parseTags(value: string, prev: PatternTag[] = []): PatternTag[] {
  const tags = value.split(',').map((x) => x.trim());
  for (const x of tags) {
    if (!(PATTERN_TAGS as readonly string[]).includes(x))
      throw new ContextdError('bad-argument', `--tag must be one of ${PATTERN_TAGS.join(', ')} (got ${JSON.stringify(x)})`, { exitCode: 2 });
  }
  return [...prev, ...(tags as PatternTag[])];
}
import type { DaemonSearchAnswer, SearchScope } from '../types.js';
import { daemonCall } from './daemon-client.js';
import { DaemonUnavailableError } from '../server/rpc-client.js';
import { lockHolder } from '../server/lock.js';
import { resolvePaths } from '../config/paths.js';

interface SearchFlags {
  repo?: string;
  lang?: string[];
  path?: string[];
  limit?: number;
  json?: boolean;
  author?: string;
  since?: string;
  until?: string;
  history?: boolean;
  boostRecent?: boolean;
  boostChurn?: boolean;
  mode?: SearchMode;
  tag?: PatternTag[];
}

function parseMode(value: string): SearchMode {
  if ((SEARCH_MODES as readonly string[]).includes(value)) return value as SearchMode;
  throw new ContextdError('bad-argument', `--mode must be one of ${SEARCH_MODES.join(', ')} (got ${JSON.stringify(value)})`, { exitCode: 2 });
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('search indexed code (lexical BM25 + symbols + semantic vectors + history, fused); defaults to the repository around the current directory')
    .argument('<query...>', 'words, identifiers or a sentence')
    .option('--repo <path>', 'only this repository (any path inside it)')
    .option('--lang <language>', 'only these languages (repeatable or comma-separated: python,go)', collectList)
    .option('--path <glob>', 'only paths matching this glob (repeatable; `*.py`, `src/**`)', collectList)
    .option('--limit <n>', 'number of hits', parseLimit)
    .option('--author <name>', 'only code with lines last changed by this author (substring of name or email)')
    .option('--since <when>', 'only code with lines changed since: a duration (2w, 3d, 6mo, 1y) or a date (2025-01-01)')
    .option('--until <when>', 'only code with lines changed until (same forms; a date means the end of that day)')
    .option('--history', 'rank by the commit messages that touched the code (finds code by why it changed)')
    .option('--boost-recent', 'rank recently changed code higher')
    .option('--boost-churn', 'rank frequently changed code higher')
    .option('--mode <mode>', 'hybrid (default: every retriever fused), lexical, semantic or symbol', parseMode)
    .option('--tag <tags>', `only code holding one of these patterns (comma-separated: ${PATTERN_TAGS.join(', ')})`, parseTags)
    .option('--json', 'print a JSON array of hits')
    .addHelpText(
      'after',
      `\nJSON hits carry: repo, path (repo-relative), startLine, endLine (1-based, inclusive), symbol, kind, language, score, snippet, retrievers,
why (ranking notes, e.g. a test file ranked below implementation code), and history: { status, note, lastChange: { sha, author, email, date, subject }, authors, topAuthors, commits,
uncommittedLines, oldest, newest, oldestAgeDays, newestAgeDays, truncated, matched? }.
--author/--since/--until keep a hit when some of its lines were last changed by a matching commit (author dates).`,
    )
    .action(async (words: string[], flags: SearchFlags) => {
      const query = words.join(' ');
      const scope: SearchScope = {
        repo: flags.repo,
        languages: flags.lang,
        paths: flags.path,
        limit: flags.limit,
        author: flags.author,
        since: flags.since,
        until: flags.until,
        history: flags.history,
        boostRecent: flags.boostRecent,
        boostChurn: flags.boostChurn,
        mode: flags.mode,
        tags: flags.tag,
        // Recorded in the search history and the metrics (by the daemon that answers, or forwarded to it).
        origin: { frontEnd: 'cli' },
      };
      const answer = (await askDaemon(query, scope)) ?? (await searchInProcess(query, scope));
      if (answer.note) process.stderr.write(dim(`note: ${answer.note}`) + '\n');
      const { hits, freshness: fresh } = answer;
      const changed = new Set(fresh?.changedFiles ?? []);
      if (flags.json) {
        printJson(hits.map((h) => toPublicHit(h, fresh)));
        return;
      }
      const freshLine = fresh ? dim(freshnessLine(fresh)) : null;
      if (!hits.length) {
        console.log(dim(`no results for ${JSON.stringify(query)}`));
        if (freshLine) console.log(freshLine);
        else if (answer.nothingIndexed)
          console.log(dim('nothing is indexed yet: run `contextd index <path>` (or `contextd add <path>` with the daemon running)'));
        return;
      }
      const matchWords = queryWords(query);
      for (const h of hits) {
        const where = `${h.path}:${h.startLine}-${h.endLine}`;
        const stale = changed.has(h.path) ? yellow(' (changed since indexed)') : '';
        console.log(
          `${cyan(where)}  ${bold(h.symbol ?? '(' + h.kind + ')')}  ${dim(`${h.language} · ${h.score.toFixed(4)} · ${h.retrievers.join('+')}`)}${stale}`,
        );
        for (const line of formatGutter(numberExcerpt(h.snippet, h.text, h.startLine, matchWords))) console.log(line);
        const last = h.history.lastChange;
        if (last) {
          const more = h.history.commits > 1 ? `, ${h.history.commits} commits, ${h.history.authors} author${h.history.authors === 1 ? '' : 's'}` : '';
          console.log(dim(`    ${shortSha(last.sha)} ${day(last.date)} ${last.author}: ${last.subject}${more}`));
        } else if (h.history.note) console.log(dim(`    (${h.history.note})`));
        // The commits whose messages matched; the one already shown as the last change is not repeated.
        const why = (h.history.matched ?? []).map((m) => m.subject).filter((subject) => subject !== last?.subject);
        if (why.length && h.retrievers.includes('history')) console.log(dim(`    why: ${why.slice(0, 2).join(' | ')}`));
        for (const note of h.why) console.log(dim(`    ranked: ${note}`));
      }
      if (freshLine) console.log(freshLine);
    });
}

type SearchAnswer = DaemonSearchAnswer & { nothingIndexed?: boolean };

/**
 * The running daemon's answer (warm caches, search workers, vectors in memory), or null when
 * no daemon holds this data dir: a new process opening a large index costs seconds.
 */
async function askDaemon(query: string, scope: SearchScope): Promise<SearchAnswer | null> {
  // Only the daemon of this data dir (its lock names it): a socket dir shared with another data dir's daemon would answer from another index.
  if (process.env.CONTEXTD_NO_DAEMON === '1' || !lockHolder(resolvePaths().dataDir)) return null;
  try {
    return await daemonCall<DaemonSearchAnswer>('search', { query, scope, cwd: process.cwd() }, 60_000);
  } catch (err) {
    // Not answering (stopping, or an older daemon without this method): search here instead.
    if (err instanceof DaemonUnavailableError || (err instanceof ContextdError && (err.code === 'daemon-garbage' || /unknown method/.test(err.message))))
      return null;
    throw err;
  }
}

async function searchInProcess(query: string, scope: SearchScope): Promise<SearchAnswer> {
  return withSearchingEngine(async (engine) => {
    const repo = await defaultRepo(engine, scope.repo);
    const hits = await engine.search(query, { ...scope, repo });
    // Freshness of the answer: which commit the index reflects and what changed since.
    const freshness = repo ? await engine.freshness(repo).catch(() => null) : null;
    const nothingIndexed = !hits.length && !repo && !(await engine.listRepos()).length;
    return { hits, freshness, searchedAll: !repo, nothingIndexed };
  });
}
