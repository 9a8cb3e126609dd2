/**
 * A counting semaphore: at most `size` holders at once, waiters served in arrival order, and a way to wait
 * until every slot is free again (the copy's bounded concurrency and its drain on stop).
 *
 * @module
 */

/** At most `size` concurrent holders. */
export class Slots {
  readonly #size: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  /** @param size the number of slots, an integer >= 1 */
  constructor(size: number) {
    this.#size = size;
  }

  /** Resolves once the caller holds a slot; it must call {@link Slots.release} exactly once afterwards. */
  acquire(): Promise<void> {
    if (this.#held < this.#size) {
      this.#held++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Gives a slot back: to the longest waiter, if any. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) {
      next();
      return;
    }
    this.#held--;
    if (this.#held === 0 && this.#idle) {
      this.#idle.resolve();
      this.#idle = undefined;
    }
  }

  /** Resolves when no slot is held. */
  idle(): Promise<void> {
    if (this.#held === 0) return Promise.resolve();
    if (!this.#idle) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }
}
