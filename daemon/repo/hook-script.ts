/**
 * The text of the git hook wrappers contextd installs, and how to recognise them.
 *
 * A wrapper is a POSIX sh script (git runs hooks with sh on every platform it
 * supports) that first runs `hooks/notify.mjs` with the hook's arguments and
 * then hands over to the user's own hook, if one was there before us.
 */

/** The git hooks contextd listens to: the ones that move HEAD or rewrite commits. */
export const MANAGED_HOOKS = ['post-commit', 'post-checkout', 'post-merge', 'post-rewrite'] as const;
export type ManagedHook = (typeof MANAGED_HOOKS)[number];

/** A user's previous hook is kept next to ours under this suffix and run after notify. */
export const CHAINED_SUFFIX = '.contextd-chained';

/** The line that marks a hook file as ours. Never change its prefix: uninstall finds old versions by it. */
export const HOOK_MARKER = '# contextd-managed-hook';
const MARKER_VERSION = 1;

export interface HookCommand {
  /** Absolute path of the node binary that runs notify.mjs (the one that installed the hooks). */
  node: string;
  /** Absolute path of hooks/notify.mjs. */
  notifyScript: string;
  /** control.sock to dial when the hook's environment does not name one (see notify.mjs). */
  socketPath?: string;
}

/**
 * Quote for sh with single quotes: nothing inside is expanded (`$`, backquotes,
 * backslashes, spaces in a path like "/Users/Jo Smith/.nvm/…"); an embedded
 * single quote becomes '\''.
 */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderHookScript(hook: ManagedHook, cmd: HookCommand): string {
  const socket = cmd.socketPath ? ` --socket ${shQuote(cmd.socketPath)}` : '';
  return [
    '#!/bin/sh',
    `${HOOK_MARKER} v${MARKER_VERSION} (${hook})`,
    '# Installed by `contextd hooks install`. `contextd hooks uninstall` removes this file',
    `# and puts back the hook it replaced, kept meanwhile as ${hook}${CHAINED_SUFFIX}.`,
    '#',
    '# 1. Tell the contextd daemon. notify.mjs never prints, always exits 0 and gives up',
    "#    after ~0.2 s; its stdin is /dev/null so git's stdin (post-rewrite's list of",
    '#    rewritten commits) is left whole for the chained hook. NODE_OPTIONS is emptied:',
    "#    preloads meant for the user's own node programs would only slow this one down",
    '#    or, if broken, stop it.',
    `NODE_OPTIONS= ${shQuote(cmd.node)} ${shQuote(cmd.notifyScript)}${socket} ${hook} "$@" </dev/null >/dev/null 2>&1`,
    "# 2. Run the user's previous hook, if any, as git would have: same arguments, same",
    "#    stdin, and its exit status is this hook's status. Not executable: git would",
    '#    have skipped it, so do we.',
    "#    A script for plain sh is run in this shell, so that $0 stays the hook's own path:",
    '#    hook managers find their work by the name in $0 (husky runs .husky/<name of $0>).',
    '#    Anything else (bash, python, a binary, sh with flags) runs as its own program.',
    'case "$0" in */*) hooks_dir=${0%/*} ;; *) hooks_dir=. ;; esac',
    `chained="$hooks_dir/${hook}${CHAINED_SUFFIX}"`,
    'if [ -x "$chained" ]; then',
    '  shebang=',
    '  IFS= read -r shebang < "$chained" || :',
    '  case "$shebang" in',
    `    '#!/bin/sh' | '#!/usr/bin/env sh' | '#!/bin/sh ' | '#!/usr/bin/env sh ') . "$chained"; exit $? ;;`,
    '  esac',
    '  exec "$chained" "$@"',
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

/** True when a hook file's text was written by contextd (any version). */
export function isContextdHook(text: string): boolean {
  return text.split('\n', 4).some((line) => line.startsWith(HOOK_MARKER));
}
