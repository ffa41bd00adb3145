/**
 * Errors a user is meant to read. The CLI prints `message` (and `hint`) without a
 * stack trace and exits with `exitCode`; anything else is a bug and shows its stack
 * only with CONTEXTD_DEBUG=1.
 */
export class ContextdError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  readonly code: string;

  constructor(code: string, message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
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
