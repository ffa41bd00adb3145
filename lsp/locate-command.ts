/**
 * Change localization from the editor: `workspace/executeCommand` with command
 * `contextd.locate` and arguments `[description, options?]` (options: `repo`, a path or
 * file URI inside the repository, default the workspace's one repository; `limit`), or
 * the custom request `contextd/locate` with `{ description, ...options }`. Answers with
 * the ranked files as LSP Locations (the file's first line, so any client can jump),
 * each carrying path, score, role, paired files and reasons.
 */
import { join } from 'node:path';
import { ErrorCodes, ResponseError, type Location } from 'vscode-languageserver/node';
import type { Engine, LocatedFile } from '../daemon/engine.js';
import { isContextdError } from '../daemon/errors.js';
import type { RepoRecord } from '../daemon/store/types.js';
import { pathToUri, uriToPath } from './workspace.js';

export const LOCATE_COMMAND = 'contextd.locate';
export const LOCATE_REQUEST = 'contextd/locate';

export interface LocateLocation extends Location, LocatedFile {
  /** 'learned' or 'defaults': where the ranking's weights came from. */
  weights: string;
}

const MAX_LIMIT = 50;

function bad(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

export function parseLocateArgs(args: unknown): { description: string; repo?: string; limit?: number } {
  let description: unknown;
  let options: unknown;
  if (Array.isArray(args)) {
    if (args.length === 1 && args[0] && typeof args[0] === 'object') return parseLocateArgs(args[0]);
    [description, options] = args;
  } else if (args && typeof args === 'object') {
    const { description: d, ...rest } = args as Record<string, unknown>;
    description = d;
    options = rest;
  }
  if (typeof description !== 'string' || !description.trim()) throw bad(`${LOCATE_COMMAND} needs a description: arguments [description, options?]`);
  const out: { description: string; repo?: string; limit?: number } = { description: description.trim() };
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' || Array.isArray(options)) throw bad('locate options must be an object');
    const o = options as Record<string, unknown>;
    if (o.repo !== undefined) {
      if (typeof o.repo !== 'string' || !o.repo) throw bad('repo must be a non-empty string');
      out.repo = o.repo.startsWith('file:') ? (uriToPath(o.repo) ?? o.repo) : o.repo;
    }
    if (o.limit !== undefined) {
      if (typeof o.limit !== 'number' || !Number.isInteger(o.limit) || o.limit < 1) throw bad('limit must be a positive integer');
      out.limit = Math.min(o.limit, MAX_LIMIT);
    }
  }
  return out;
}

export async function runLocate(engine: Engine, args: unknown, workspaceRepos: RepoRecord[] | null): Promise<LocateLocation[]> {
  const { description, repo, limit } = parseLocateArgs(args);
  const root = repo ?? (workspaceRepos?.length === 1 ? workspaceRepos[0].root : undefined);
  if (!root) throw bad(workspaceRepos?.length ? 'several repositories are open: pass options.repo' : 'no indexed repository in this workspace');
  try {
    const r = await engine.locate(description, { repo: root, limit, background: true });
    return r.files.map((f) => ({
      uri: pathToUri(join(r.repo, f.path)),
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      ...f,
      weights: r.model.source,
    }));
  } catch (err) {
    if (isContextdError(err)) throw new ResponseError(ErrorCodes.InvalidParams, err.hint ? `${err.message} (${err.hint})` : err.message);
    throw err;
  }
}
