/**
 * Per-session ordering of writes within one process. Commits to the same session key queue on one lane and
 * run in arrival order, so a process never races itself; the commits that arrive while a write is in flight
 * are handed over together as one batch, so a burst on one session costs one compare-and-set round per
 * process instead of one per request. A lane exists only while it has work, so idle sessions cost nothing.
 *
 * @module
 */
import type { SessionData } from './codec.js';

/** What this process last knew to be stored under a key: the attributes at a version. */
export interface KnownState {
  version: number;
  attributes: SessionData;
}

/** The state a lane carries from one batch to the next. */
export interface Lane {
  /** The state the last write on this lane stored (or found), so the next batch can start from it. */
  known: KnownState | undefined;
}

/** Something queued on a lane that can be failed if the batch runner breaks its promise not to throw. */
export interface LaneEntry {
  reject(error: unknown): void;
}

type Job<E> = { entry: E; exclusive?: undefined } | { entry?: undefined; exclusive: (lane: Lane) => Promise<void> };

interface LaneState<E> extends Lane {
  jobs: Job<E>[];
}

/** Per-key FIFO lanes; consecutive batchable entries are run as one batch. */
export class WriteLanes<E extends LaneEntry> {
  readonly #lanes = new Map<string, LaneState<E>>();
  readonly #runBatch: (key: string, batch: E[], lane: Lane) => Promise<void>;

  /** `runBatch` settles every entry of the batch it is given (it should not throw). */
  constructor(runBatch: (key: string, batch: E[], lane: Lane) => Promise<void>) {
    this.#runBatch = runBatch;
  }

  /** Queues an entry on the lane of `key`; it runs at once if the lane is idle. */
  submit(key: string, entry: E): void {
    this.#enqueue(key, { entry });
  }

  /** Runs `work` alone on the lane of `key`, after everything queued before it and before anything after. */
  exclusive<R>(key: string, work: (lane: Lane) => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#enqueue(key, { exclusive: (lane) => work(lane).then(resolve, reject) });
    });
  }

  /** How many keys have work queued or running (for tests and diagnostics). */
  get activeLanes(): number {
    return this.#lanes.size;
  }

  #enqueue(key: string, job: Job<E>): void {
    const existing = this.#lanes.get(key);
    if (existing) {
      existing.jobs.push(job);
      return;
    }
    const lane: LaneState<E> = { jobs: [job], known: undefined };
    this.#lanes.set(key, lane);
    void this.#drain(key, lane);
  }

  async #drain(key: string, lane: LaneState<E>): Promise<void> {
    const { jobs } = lane;
    while (jobs.length > 0) {
      const first = jobs[0]!;
      if (first.exclusive) {
        jobs.shift();
        await first.exclusive(lane);
        continue;
      }
      let count = 1;
      while (count < jobs.length && jobs[count]!.exclusive === undefined) count++;
      const batch = jobs.splice(0, count).map((job) => job.entry!);
      try {
        await this.#runBatch(key, batch, lane);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#lanes.delete(key);
  }
}
