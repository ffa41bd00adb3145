/** User-facing filters, turned into the store's view filter. */
import type { ViewFilter } from '../store/types.js';
import { globToRegex } from './glob.js';

export interface SearchFilters {
  /** Repository ids to search (resolved from paths by the caller); all when absent. */
  repoIds?: number[];
  languages?: string[];
  /** Path globs, repo-relative (any may match). */
  paths?: string[];
}

export function toViewFilter(f: SearchFilters): ViewFilter {
  return {
    repoIds: f.repoIds?.length ? f.repoIds : undefined,
    languages: f.languages?.length ? f.languages.map((l) => l.toLowerCase()) : undefined,
    pathRegexes: f.paths?.length ? f.paths.map(globToRegex) : undefined,
  };
}
