/**
 * contextd:// resource URIs: `contextd://REPO/PATH`, with `?lines=START-END` for a line
 * range and `?rev=SHA` for the file at a commit. REPO is the repository's directory name
 * (with a short hash of its root when two registered repositories share a name), so a URI
 * stays readable and does not spell out the user's home directory.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { ContextdError } from '../errors.js';

export const RESOURCE_TEMPLATES = [
  {
    name: 'file',
    uriTemplate: 'contextd://{repo}/{+path}',
    title: 'A file in a registered repository',
    description: 'The working-tree file (same confinement and secret rules as get_code).',
  },
  {
    name: 'file-lines',
    uriTemplate: 'contextd://{repo}/{+path}?lines={start}-{end}',
    title: 'Lines of a file',
    description: 'Lines start..end (1-based, inclusive) of a working-tree file.',
  },
  {
    name: 'file-at-rev',
    uriTemplate: 'contextd://{repo}/{+path}?rev={rev}',
    title: 'A file at a commit',
    description: 'The file as committed at rev (a sha, branch or tag); may be combined with &lines=START-END.',
  },
] as const;

export interface FileRef {
  root: string;
  /** Repo-relative, forward slashes. */
  path: string;
  start?: number;
  end?: number;
  rev?: string;
}

function slug(root: string): string {
  return basename(root).replace(/[^A-Za-z0-9._-]/g, '_') || 'repo';
}

/** The URI name of each registered root (unique among them). */
export function repoNames(roots: readonly string[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const r of roots) counts.set(slug(r), (counts.get(slug(r)) ?? 0) + 1);
  return new Map(roots.map((r) => [r, counts.get(slug(r))! > 1 ? `${slug(r)}-${createHash('sha1').update(r).digest('hex').slice(0, 8)}` : slug(r)]));
}

export function repoUri(root: string, roots: readonly string[]): string {
  return `contextd://${repoNames(roots).get(root) ?? slug(root)}/`;
}

export function fileUri(ref: FileRef, roots: readonly string[]): string {
  const query = [ref.start !== undefined ? `lines=${ref.start}-${ref.end ?? ref.start}` : '', ref.rev ? `rev=${encodeURIComponent(ref.rev)}` : '']
    .filter(Boolean)
    .join('&');
  return `${repoUri(ref.root, roots)}${ref.path.split('/').map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
}

const URI = /^contextd:\/\/([^/?#]+)\/([^?#]*)(?:\?([^#]*))?(?:#.*)?$/;

export function parseFileUri(uri: string, roots: readonly string[]): FileRef {
  const m = URI.exec(uri);
  if (!m)
    throw new ContextdError('bad-uri', `${uri} is not a contextd:// resource URI`, {
      hint: 'contextd://REPO/PATH, optionally ?lines=START-END and/or ?rev=SHA',
    });
  const [, name, rawPath, rawQuery] = m;
  const root = [...repoNames(roots)].find(([, n]) => n === name)?.[0];
  if (!root)
    throw new ContextdError('not-registered', `no registered repository is named ${name}`, {
      hint: `resources/list shows the registered repositories (${[...repoNames(roots).values()].join(', ') || 'none'})`,
    });
  let path: string;
  try {
    path = rawPath.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new ContextdError('bad-uri', `${uri}: the path is not valid percent-encoding`);
  }
  const ref: FileRef = { root, path };
  for (const [key, value] of new URLSearchParams(rawQuery ?? '')) {
    if (key === 'lines') {
      const lm = /^(\d+)(?:-(\d+))?$/.exec(value);
      if (!lm || Number(lm[1]) < 1 || (lm[2] !== undefined && Number(lm[2]) < Number(lm[1])))
        throw new ContextdError('bad-uri', `lines=${value}: want START-END, 1-based, START <= END`);
      ref.start = Number(lm[1]);
      ref.end = lm[2] !== undefined ? Number(lm[2]) : ref.start;
    } else if (key === 'rev') {
      // A revision name, never an option or a range expression (it is given to git).
      if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(value) || value.includes('..'))
        throw new ContextdError('bad-uri', `rev=${value} is not a commit name (a sha, branch or tag)`);
      ref.rev = value;
    } else throw new ContextdError('bad-uri', `unknown URI parameter ${key} (lines, rev)`);
  }
  return ref;
}

/** A resource_link content block for a hit: clients open it with resources/read. */
export function resourceLink(uri: string, name: string, title?: string | null): ResourceLink {
  return { type: 'resource_link', uri, name, ...(title ? { title } : {}), mimeType: 'text/plain' };
}

/** Links are a convenience beside the structured result: a long answer gets the first ones only. */
export const MAX_LINKS = 20;
