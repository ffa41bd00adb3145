/**
 * Shared reliability plumbing for network backends (Redis, Qdrant, Ollama):
 * exponential backoff with full jitter, a circuit breaker that stops calling a
 * backend that just failed (so a dead or hanging server costs one timeout, not
 * one per query), and a timeout wrapper for any promise.
 */

export interface BackoffOptions {
  /** First delay (ms). */
  baseMs?: number;
  /** Largest delay (ms). */
  maxMs?: number;
  /** Random source in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based): "full jitter" — uniform in
 * [base/2, min(max, base * 2^attempt)], so daemons that lost the same server at
 * the same moment do not reconnect in lockstep.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 200;
  const max = opts.maxMs ?? 30_000;
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 30));
  const lo = Math.min(cap, base / 2);
  return Math.round(lo + (cap - lo) * (opts.random ?? Math.random)());
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Rejects with TimeoutError when `p` takes longer than `ms` (the work itself is not cancelled; pass a signal for that). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return p;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Circuit breaker. Closed: calls go through. After a failure it opens for a
 * backoff delay (growing with consecutive failures, jittered); while open,
 * `allow()` is false and callers skip the backend (degrade) instead of waiting
 * for it. When the delay has passed one probe call is let through (half-open);
 * its success closes the breaker.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;
  lastError: string | null = null;
  lastFailureAt: number | null = null;
  lastSuccessAt: number | null = null;

  constructor(private readonly opts: BackoffOptions & { now?: () => number } = {}) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get state(): BreakerState {
    if (!this.failures) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Milliseconds until the next probe is allowed (0 when calls may go through). */
  retryInMs(): number {
    return Math.max(0, this.openUntil - this.now());
  }

  /** May a call go through now? In half-open state only one probe at a time. */
  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openUntil = 0;
    this.probing = false;
    this.lastError = null;
    this.lastSuccessAt = this.now();
  }

  failure(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.lastFailureAt = this.now();
    this.openUntil = this.now() + backoffDelay(this.failures, this.opts);
    this.failures++;
    this.probing = false;
  }

  /** Runs `fn` through the breaker: rejects at once with `BackendUnavailableError` while open. */
  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (!this.allow()) throw new BackendUnavailableError(what, this.lastError, this.retryInMs());
    try {
      const v = await fn();
      this.success();
      return v;
    } catch (err) {
      this.failure(err);
      throw err;
    }
  }
}

/** A call skipped because the backend failed recently (its breaker is open). */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: string,
    readonly lastError: string | null,
    readonly retryInMs: number,
  ) {
    super(`${backend} is unavailable${lastError ? ` (${lastError})` : ''}; retrying in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = 'BackendUnavailableError';
  }
}

/** Sleeps `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Redacts the password of a URL for display (`redis://:secret@h` -> `redis://:***@h`). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
