/** User-facing filters, turned into the store's view filter. */
import type { HistoryFilter, ViewFilter } from '../store/types.js';
import { globToRegex } from './glob.js';

export interface SearchFilters {
  /** Repository ids to search (resolved from paths by the caller); all when absent. */
  repoIds?: number[];
  languages?: string[];
  /** Path globs, repo-relative (any may match). */
  paths?: string[];
  /** Only code with lines last changed by a matching commit (author substring, unix-second window). */
  history?: HistoryFilter;
}

export function toViewFilter(f: SearchFilters): ViewFilter {
  return {
    repoIds: f.repoIds?.length ? f.repoIds : undefined,
    languages: f.languages?.length ? f.languages.map((l) => l.toLowerCase()) : undefined,
    pathRegexes: f.paths?.length ? f.paths.map(globToRegex) : undefined,
    history: f.history && (f.history.author || f.history.since !== undefined || f.history.until !== undefined) ? f.history : undefined,
  };
}
