/**
 * Jittered exponential backoff for retrying a lost compare-and-set until a deadline.
 *
 * @module
 */
import type { SessionKitErrorOptions } from './errors.js';
import { ConfigurationError, ContentionError } from './errors.js';

/** How a commit retries a lost compare-and-set against other processes. */
export interface RetryOptions {
  /** How long one commit keeps retrying, in ms, before it fails with `ContentionError`. Default 5000. */
  timeoutMs?: number;
  /** Ceiling of the first backoff, in ms; it doubles each retry. Default 2. */
  baseDelayMs?: number;
  /** Largest backoff ceiling, in ms. Default 100. */
  maxDelayMs?: number;
}

/** {@link RetryOptions} with the defaults filled in. */
export type ResolvedRetryOptions = Readonly<Required<RetryOptions>>;

/** Fills in and checks {@link RetryOptions}. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = {
    timeoutMs: options.timeoutMs ?? 5_000,
    baseDelayMs: options.baseDelayMs ?? 2,
    maxDelayMs: options.maxDelayMs ?? 100,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ConfigurationError(`retry.${name} must be a non-negative number of milliseconds, got ${String(value)}`);
    }
  }
  if (resolved.maxDelayMs < resolved.baseDelayMs)
    throw new ConfigurationError('retry.maxDelayMs must be >= retry.baseDelayMs');
  return resolved;
}

/**
 * The pause before retry number `attempt` (1 = the first retry): "full jitter", a uniform draw between 0 and
 * `min(maxDelayMs, baseDelayMs * 2^(attempt - 1))`, so writers that lost the same round spread out instead of
 * colliding again.
 */
export function backoffDelay(
  attempt: number,
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return random() * ceiling;
}

/** Resolves after `ms` milliseconds (at once for 0). */
export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits before retry `attempt` of a compare-and-set lost to another writer (never past `deadline`, a
 * `performance.now()` reading), or throws {@link ContentionError} if the deadline has passed.
 */
export async function waitBeforeRetry(
  attempt: number,
  deadline: number,
  options: ResolvedRetryOptions,
  errorOptions: SessionKitErrorOptions,
): Promise<void> {
  const remaining = deadline - performance.now();
  if (remaining <= 0) {
    throw new ContentionError(
      `concurrent writers kept winning the compare-and-set for ${options.timeoutMs} ms (${attempt} attempts)`,
      errorOptions,
    );
  }
  await sleep(Math.min(remaining, backoffDelay(attempt, options)));
}
