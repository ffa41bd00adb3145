/**
 * Zod pieces the tools share: common arguments and the output shapes. Output shapes
 * spell out every field (they are the contract a client validates against: a field
 * added to a record must be added here, or it is dropped from structuredContent).
 */
import { z } from 'zod';
import { DEFAULT_MAX_TOKENS } from './budget.js';

export const repoArg = z.string().min(1).optional().describe('absolute path of a registered repository (default: the one the client works in)');
export const maxTokensArg = z.number().int().min(200).max(50_000).optional().describe(`output budget in tokens (default ${DEFAULT_MAX_TOKENS})`);
export const pathsArg = z.array(z.string().min(1)).max(50).optional().describe('path globs to restrict to, e.g. ["src/**", "*.py"]');
export const languagesArg = z.array(z.string().min(1)).max(20).optional().describe('languages to restrict to, e.g. ["python", "typescript"]');
export const authorArg = z.string().min(1).optional().describe('only code whose lines were last changed by this author (name or email, substring)');
export const sinceArg = z.string().min(1).optional().describe('only code changed since: a duration (2w, 3d, 6mo) or a date (2025-01-01)');
export const untilArg = z.string().min(1).optional().describe('only code changed until (same forms; a date means the end of that day)');
export const cursorArg = z.string().min(1).max(2000).optional().describe('next_cursor of the previous page (same other arguments)');

const commitRef = z.object({ sha: z.string(), author: z.string(), email: z.string(), date: z.string(), subject: z.string() });

/** daemon/search/history-summary.ts HistorySummary. */
export const historySummary = z.object({
  status: z.enum(['blamed', 'uncommitted', 'pending', 'too-large', 'failed']),
  note: z.string().nullable(),
  lastChange: commitRef.nullable(),
  authors: z.number().int(),
  topAuthors: z.array(z.string()),
  commits: z.number().int(),
  uncommittedLines: z.number().int(),
  oldest: z.string().nullable(),
  newest: z.string().nullable(),
  oldestAgeDays: z.number().nullable(),
  newestAgeDays: z.number().nullable(),
  truncated: z.boolean(),
  matched: z.array(z.object({ sha: z.string(), subject: z.string() })).optional(),
});

/** daemon/index/freshness.ts Freshness. */
export const freshness = z.object({
  repo: z.string(),
  indexedCommit: z.string().nullable(),
  head: z.string().nullable(),
  fresh: z.boolean(),
  headMatches: z.boolean(),
  changedFiles: z.array(z.string()),
  changedTruncated: z.boolean(),
  pendingJobs: z.number().int(),
  vectors: z.object({ embedded: z.number().int(), total: z.number().int() }).optional(),
});

/** daemon/search/public-hit.ts, plus what MCP adds: the resource URI and the (budget-trimmed) code. */
export const publicHit = z.object({
  repo: z.string(),
  path: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  symbol: z.string().nullable(),
  kind: z.string(),
  language: z.string(),
  score: z.number(),
  snippet: z.string(),
  retrievers: z.array(z.string()),
  why: z.array(z.string()),
  history: historySummary,
  stale: z.boolean(),
  indexedCommit: z.string().nullable(),
  uri: z.string().describe('contextd:// resource of these lines (resources/read)'),
  code: z.string().describe('the chunk text, possibly shortened to fit the budget'),
});

export const commitLine = z.object({ sha: z.string(), author: z.string(), date: z.string(), subject: z.string() });
