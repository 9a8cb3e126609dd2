/**
 * The pacing behind `--rate`: at most `rate` acquisitions per second, spaced evenly (each one reserves the next
 * free slot, `1000 / rate` ms after the previous one). A limiter idle for a while does not save up a burst:
 * its next slot is never earlier than now.
 *
 * @module
 */
import { ConfigurationError } from '@sessionkit/core';

/** Waits shorter than this are not slept (timers are not that precise): the slots catch up a little later. */
const MIN_SLEEP_MS = 2;

/** Paces calls to at most `rate` per second. */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #next = 0;

  /**
   * @param rate acquisitions per second, a positive finite number
   * @param now a millisecond clock (default `performance.now`)
   */
  constructor(rate: number, now: () => number = () => performance.now()) {
    if (!(typeof rate === 'number' && Number.isFinite(rate) && rate > 0)) {
      throw new ConfigurationError(`rate must be a positive number of sessions per second, got ${String(rate)}`);
    }
    this.#intervalMs = 1000 / rate;
    this.#now = now;
  }

  /**
   * Resolves when the caller may go on: at once while under the rate, else after its slot's wait. An aborted
   * `signal` ends the wait early (resolving, not rejecting: the caller checks the signal itself).
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.#now();
    const slot = Math.max(now, this.#next);
    this.#next = slot + this.#intervalMs;
    const wait = slot - now;
    if (wait < MIN_SLEEP_MS || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
