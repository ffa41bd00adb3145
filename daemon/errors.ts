/**
 * Errors a user is meant to read. The CLI prints `message` (and `hint`) without a
 * stack trace and exits with `exitCode`; anything else is a bug and shows its stack
 * only with CONTEXTD_DEBUG=1.
 */
/**
 * The error codes, one vocabulary for every front end (CLI exit messages, the control socket's
 * JSON-RPC errors, MCP tool errors, LSP): what each means. A new code is added here first.
 */
export const ERROR_CODES = {
  // the caller asked for something malformed or impossible
  'bad-argument': 'a command-line or request argument is malformed',
  'bad-arguments': "an MCP tool call's arguments contradict each other (MCP's spelling of bad-argument)",
  'bad-config': 'the configuration file or an environment variable is invalid',
  'bad-data-dir': 'the data directory is not a usable directory',
  'bad-glob': 'a path filter cannot be compiled',
  'bad-path': 'a path cannot be used as given',
  'bad-query': 'a search query cannot be parsed (FTS5 MATCH syntax)',
  'bad-socket-dir': 'the socket directory is missing, not ours, or too open',
  'bad-uri': 'an MCP resource URI is malformed or names no registered repository',
  'bad-rev': 'a revision cannot be resolved in the repository',
  'bad-token-file': 'the HTTP bearer token file is not ours, too open, or unreadable',
  aborted: 'the operation was cancelled',
  // paths and repositories
  'no-repo': 'no repository applies to the request',
  'not-registered': 'the repository is not registered with the daemon',
  'not-indexed': 'the repository is not indexed yet',
  'not-indexed-file': 'the file is not in the index',
  'not-in-index': 'the requested content is not in the index',
  'outside-repo': 'a file named on the command line is outside its repository',
  'path-outside': 'a client path resolves outside the registered repositories',
  'path-refused': 'a client path names git internals or secrets',
  'path-missing': 'a client path does not exist',
  'read-failed': 'a file could not be read',
  'not-a-git-repo': 'the directory is not inside a git work tree',
  'too-large': 'a file or answer is over its size limit',
  'looks-like-build-output': 'the directory looks like build output, not sources',
  'symbol-not-found': 'no symbol by that name',
  'no-such-symbol': 'no symbol by that name in that file',
  'repo-busy': 'another process is indexing the repository now (retried)',
  'nothing-to-embed': 'no chunk needs a vector',
  // the store
  'store-open': 'the store cannot be opened',
  'store-missing': 'the store file was deleted or replaced',
  'store-too-new': 'the store was written by a newer contextd',
  'store-unavailable': 'the database server is unreachable now (retried)',
  'disk-full': 'the disk holding the index is full: the run stopped, the index before it is intact',
  'corrupt-store': 'the store file is corrupt',
  'target-not-empty': 'contextd migrate: the target holds an index (--force replaces it)',
  'migration-interrupted': 'contextd migrate stopped before the end (run it again)',
  // the daemon and its sockets
  'daemon-running': 'a daemon already runs for this data directory',
  'daemon-lock': 'the daemon lock cannot be taken',
  'daemon-start-failed': 'the daemon did not start',
  'daemon-timeout': 'the daemon did not answer in time',
  'daemon-closed': 'the daemon closed the connection',
  'daemon-io': 'a socket read or write failed',
  'daemon-garbage': 'the daemon sent something that is not JSON-RPC',
  'daemon-error': 'the daemon failed a request (no code of its own)',
  'daemon-down': 'no daemon answers on the control socket',
  'bridge-connect': 'the stdio bridge cannot reach the daemon',
  'service-unsupported': 'no service manager to install the service with',
  'search-timeout': 'a search ran over its time limit',
  // models
  'ollama-error': 'Ollama answered with an error',
  'ollama-unavailable': 'Ollama is unreachable',
  'ollama-model-missing': 'the configured model is not pulled',
  'ollama-timeout': 'Ollama did not answer in time',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A code that came over a wire (JSON-RPC, a worker thread): ours, or `fallback`. */
export function knownCode(code: unknown, fallback: ErrorCode): ErrorCode {
  return typeof code === 'string' && code in ERROR_CODES ? (code as ErrorCode) : fallback;
}

export class ContextdError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ContextdError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

export function isContextdError(err: unknown): err is ContextdError {
  return err instanceof ContextdError;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
