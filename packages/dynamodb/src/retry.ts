/**
 * Deadlines, cancellation and backoff for DynamoDB calls.
 *
 * Every store operation runs under {@link withDeadline} from core. A {@link DeadlineSignal} is tied to the
 * deadline: when it expires the in-flight HTTP request is aborted, which also stops the SDK's own retry loop
 * (the SDK's retry middleware races its backoff against the same abort signal), so neither our retries nor the
 * SDK's can make a call outlive its deadline.
 *
 * @module
 */
import { StoreTimeoutError, withDeadline } from '@sessionkit/core';
import type { SessionKitError } from '@sessionkit/core';
import { DeadlineSignal } from './deadline-signal.js';

/** Per-call state handed to every request of one store operation. */
export interface CallContext {
  /** The store operation, for error tags. */
  readonly operation: string;
  /**
   * Aborted when the operation's deadline expires. Pass it as `abortSignal` to `client.send` (cast: it is a
   * {@link DeadlineSignal}, structurally what the SDK reads, not a DOM `AbortSignal`).
   */
  readonly signal: DeadlineSignal;
  /** `performance.now()` value of the deadline; backoffs that would cross it are not attempted. */
  readonly deadlineAt: number;
}

/** Settings of {@link CallRunner}. */
export interface CallRunnerSettings {
  store: string;
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  mapError: (operation: string, error: unknown) => SessionKitError;
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: DeadlineSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs operations under a deadline and retries single requests with exponential backoff and full jitter. */
export class CallRunner {
  readonly #s: CallRunnerSettings;

  constructor(settings: CallRunnerSettings) {
    this.#s = settings;
  }

  /** Runs `body` under the operation deadline; failures come out as typed errors tagged with the store. */
  async run<T>(operation: string, body: (ctx: CallContext) => Promise<T>): Promise<T> {
    const signal = new DeadlineSignal();
    const ctx: CallContext = { operation, signal, deadlineAt: performance.now() + this.#s.timeoutMs };
    try {
      return await withDeadline(this.#s.store, operation, this.#s.timeoutMs, () => body(ctx), (error) =>
        this.#s.mapError(operation, error),
      );
    } catch (error) {
      // Deadline expired: cancel the HTTP request still in flight (and any SDK retry waiting behind it).
      if (error instanceof StoreTimeoutError) signal.abort(error);
      throw error;
    }
  }

  /**
   * Sends one request, retrying it after a backoff while `retryable(error)` says so (see the predicates in
   * errors.ts: throttling is always safe to retry; resets and 5xx only where a repeat is harmless or checked).
   * Gives up with the last error when attempts run out or the next backoff would cross the deadline, so a
   * throttled call fails typed (StoreUnavailableError) rather than as a timeout.
   */
  async send<T>(ctx: CallContext, retryable: (error: unknown) => boolean, request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (ctx.signal.aborted || !retryable(error) || attempt >= this.#s.maxAttempts) throw error;
        const delay = this.backoff(attempt);
        if (performance.now() + delay >= ctx.deadlineAt) throw error;
        await sleep(delay, ctx.signal);
      }
    }
  }

  /** Waits before retrying unprocessed batch items; `false` when the deadline or the attempt budget forbids it. */
  async waitForRetry(ctx: CallContext, attempt: number): Promise<boolean> {
    if (attempt >= this.#s.maxAttempts) return false;
    const delay = this.backoff(attempt);
    if (performance.now() + delay >= ctx.deadlineAt) return false;
    await sleep(delay, ctx.signal);
    return true;
  }

  /** Full-jitter exponential backoff: random in [0, min(max, base * 2^(attempt-1))], at least 1 ms. */
  backoff(attempt: number): number {
    const cap = Math.min(this.#s.maxDelayMs, this.#s.baseDelayMs * 2 ** (attempt - 1));
    return Math.max(1, Math.round(Math.random() * cap));
  }
}
