/**
 * Deadlines, cancellation and throttling retries for DynamoDB calls.
 *
 * Every store operation runs under {@link withDeadline} from core. A {@link DeadlineSignal} is tied to the
 * deadline: when it expires the in-flight HTTP request is aborted, which also stops the SDK's own retry loop
 * (the SDK's retry middleware races its backoff against the same abort signal), so neither our retries nor the
 * SDK's can make a call outlive its deadline. Backoffs are core's ({@link backoffDelay}).
 *
 * @module
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ResolvedRetryOptions, SessionKitError } from '@sessionkit/core';
import { backoffDelay, StoreTimeoutError, sleep, withDeadline } from '@sessionkit/core';
import { DeadlineSignal } from './deadline-signal.js';
import { isConnectionRefused } from './errors.js';
import type { DynamoDBRetryOptions } from './options.js';

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
  /** The store's name, for error tags. */
  store: string;
  /** Deadline of one operation, retries and backoffs included. */
  timeoutMs: number;
  /** Throttling retries: attempts per request and backoff bounds. */
  retry: Required<DynamoDBRetryOptions>;
  /** Turns a failure into the typed error the caller sees. */
  mapError: (operation: string, error: unknown) => SessionKitError;
}

/** Runs operations under a deadline and retries single requests with core's jittered exponential backoff. */
export class CallRunner {
  readonly #s: CallRunnerSettings;
  readonly #backoff: ResolvedRetryOptions;

  constructor(settings: CallRunnerSettings) {
    this.#s = settings;
    const { baseDelayMs, maxDelayMs } = settings.retry;
    this.#backoff = { timeoutMs: settings.timeoutMs, baseDelayMs, maxDelayMs };
  }

  /** Runs `body` under the operation deadline; failures come out as typed errors tagged with the store. */
  async run<T>(operation: string, body: (ctx: CallContext) => Promise<T>): Promise<T> {
    const signal = new DeadlineSignal();
    const ctx: CallContext = { operation, signal, deadlineAt: performance.now() + this.#s.timeoutMs };
    try {
      return await withDeadline(
        this.#s.store,
        operation,
        this.#s.timeoutMs,
        () => body(ctx),
        (error) => this.#s.mapError(operation, error),
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
        if (ctx.signal.aborted || !retryable(error) || !(await this.waitForRetry(ctx, attempt))) throw error;
      }
    }
  }

  /**
   * Waits before retry number `attempt` (of a request, or of unprocessed batch items); `false`, without
   * waiting, when the attempt budget is spent or the backoff would cross the deadline.
   */
  async waitForRetry(ctx: CallContext, attempt: number): Promise<boolean> {
    if (attempt >= this.#s.retry.maxAttempts) return false;
    const delay = backoffDelay(attempt, this.#backoff);
    if (performance.now() + delay >= ctx.deadlineAt) return false;
    await sleep(delay);
    return true;
  }
}

/** A deserialize-step middleware of the DynamoDB client (the last `add` overload is that step's). */
type DeserializeMiddleware = Parameters<DynamoDBClient['middlewareStack']['add']>[0];

/**
 * SDK quirk: the SDK's retry strategy counts ECONNREFUSED as transient (`NODEJS_TIMEOUT_ERROR_CODES` in
 * @smithy/core's service-error-classification) and retries it with backoff up to the client's `maxAttempts`,
 * so a dead endpoint would fail only after the SDK's backoffs (or at the store's deadline). A client the store
 * creates has `maxAttempts: 1`; on a client the application passes in, this middleware (deserialize step,
 * below the retry step) aborts the store call's own {@link DeadlineSignal} when the connection is refused, and
 * the SDK's retry middleware gives up at once on an aborted signal, rethrowing the refusal. Calls the
 * application makes on the same client carry no DeadlineSignal and are left as they were.
 */
const abortRefusedStoreCalls: DeserializeMiddleware = (next, context) => (args) =>
  next(args).catch((error: unknown) => {
    // The SDK puts the `abortSignal` given to `client.send` into the handler context under this key.
    const signal = context.__smithy_context?.abortSignal;
    if (signal instanceof DeadlineSignal && isConnectionRefused(error)) signal.abort(error);
    throw error;
  });

/**
 * Installs {@link abortRefusedStoreCalls} on an application's client, once however many stores share it (a
 * fixed name, replaced rather than added again).
 */
export function failFastOnRefusal(client: DynamoDBClient): void {
  client.middlewareStack.add(abortRefusedStoreCalls, {
    step: 'deserialize',
    name: 'sessionkitAbortRefusedStoreCalls',
    override: true,
  });
}
