/** A source of the current time, injectable so tests can move time without waiting. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The wall clock (`Date.now()`). */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for tests. */
export class ManualClock implements Clock {
  #now: number;
  /** @param start epoch milliseconds to start at (defaults to the current time). */
  constructor(start: number = Date.now()) {
    this.#now = start;
  }
  /** The current manual time. */
  now(): number {
    return this.#now;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#now += ms;
  }
  /** Sets the time to `epochMs`. */
  set(epochMs: number): void {
    this.#now = epochMs;
  }
}
