/**
 * Why a file known to git is not indexed. Path reasons are decided by the
 * scanner without reading the file; content reasons by classifyContent when a
 * changed file is read. One list, so summaries ("skipped: 12 vendored, 3
 * secret…") and both producers agree on the names.
 *
 * SKIP_REASONS: every reason with its one-line description, keys in display order.
 */
export const SKIP_REASONS = {
  symlink: 'symbolic link (never followed: avoids loops and paths escaping the repository)',
  submodule: 'git submodule or nested repository (index it as its own repository)',
  'too-large': 'larger than the size limit (maxFileBytes, 1 MiB by default)',
  vendored: 'third-party code under a vendored directory (node_modules/, vendor/, third_party/…)',
  generated: 'generated file (lockfile, minified bundle, source map, protobuf output, or a "generated" marker)',
  secret: 'likely holds credentials (key/env file by name, or a private key or API token in its content)',
  excluded: 'excluded by the user (matches an exclude glob, or no include glob)',
  binary: 'binary content (a NUL byte in the first 8 KiB)',
  minified: 'minified JavaScript/CSS (very long lines)',
  unreadable: 'could not be read as a regular file (permission denied, special file)',
} as const satisfies Record<string, string>;

export type SkipReason = keyof typeof SKIP_REASONS;

/** The reasons in display order. */
export const SKIP_REASON_LIST = Object.keys(SKIP_REASONS) as SkipReason[];

export function isSkipReason(s: string): s is SkipReason {
  return Object.hasOwn(SKIP_REASONS, s);
}
