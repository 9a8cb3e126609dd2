/**
 * A small circuit breaker for the cache tier: after `failureThreshold` consecutive failures the cache is
 * bypassed for `resetAfterMs`; then one trial call is let through (half-open) and its outcome decides
 * whether the cache is used again. This bounds the time a dead cache costs to its first few timeouts.
 *
 * @module
 */
import type { Clock } from '@sessionkit/core';

/** Breaker settings. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** How long the breaker stays open before a trial call, in ms. Default 5,000. */
  resetAfterMs?: number;
}

/** The breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Tracks the cache's health and says whether to call it. */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #resetAfterMs: number;
  readonly #clock: Clock;
  #failures = 0;
  #openedAt: number | undefined;
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions, clock: Clock) {
    this.#threshold = options.failureThreshold ?? 3;
    this.#resetAfterMs = options.resetAfterMs ?? 5_000;
    this.#clock = clock;
  }

  /** The current state. */
  get state(): BreakerState {
    if (this.#openedAt === undefined) return 'closed';
    return this.#clock.now() - this.#openedAt >= this.#resetAfterMs ? 'half-open' : 'open';
  }

  /**
   * Whether a call may go to the cache now. In the half-open state only one trial call at a time is allowed;
   * the caller must report its outcome with {@link succeeded} or {@link failed}.
   */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  /** Reports a successful cache call: closes the breaker. */
  succeeded(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
    this.#trialInFlight = false;
  }

  /**
   * Reports a failed cache call: opens the breaker once the threshold is reached (or a trial failed). Returns
   * whether this failure opened a closed breaker (the start of an outage, not a failed trial within one).
   */
  failed(): boolean {
    this.#failures++;
    const wasClosed = this.#openedAt === undefined;
    if (this.#trialInFlight || this.#failures >= this.#threshold) this.#openedAt = this.#clock.now();
    this.#trialInFlight = false;
    return wasClosed && this.#openedAt !== undefined;
  }
}
