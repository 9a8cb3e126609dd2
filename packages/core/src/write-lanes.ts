/**
 * Per-session ordering of writes within one process. Commits to the same session key queue on one lane and
 * run in arrival order, so a process never races itself; the commits that arrive while a write is in flight
 * are handed over together as one batch, so a burst on one session costs one compare-and-set round per
 * process instead of one per request. Memory stays bounded: idle lanes are kept for reuse (a session's next
 * commit finds its lane ready) up to {@link MAX_IDLE_LANES}, then swept in one pass.
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

/** Work that runs alone on its lane (see {@link WriteLanes.exclusive}). */
class ExclusiveJob {
  constructor(readonly run: (lane: Lane) => Promise<void>) {}
}

type Job<E> = E | ExclusiveJob;

interface LaneState<E> extends Lane {
  /** What queued while the lane was busy; made when the first job has to wait. */
  jobs: Job<E>[] | undefined;
  /** Whether a job is running on the lane. */
  busy: boolean;
}

/**
 * Lanes kept when the map reaches this size, before idle ones are swept in bulk: idle lanes are kept for reuse
 * rather than deleted after each write (why: commit 7121df2).
 */
export const MAX_IDLE_LANES = 4096;

/**
 * Per-key FIFO lanes; consecutive batchable entries are run as one batch. An uncontended key costs one map
 * entry and one lane object: no queue, no loop, no batch copy.
 */
export class WriteLanes<E extends LaneEntry> {
  readonly #lanes = new Map<string, LaneState<E>>();
  readonly #runBatch: (key: string, batch: E[], lane: Lane) => Promise<void>;

  /** `runBatch` settles every entry of the batch it is given (it should not throw). */
  constructor(runBatch: (key: string, batch: E[], lane: Lane) => Promise<void>) {
    this.#runBatch = runBatch;
  }

  /** Queues an entry on the lane of `key`; it runs at once if the lane is idle. */
  submit(key: string, entry: E): void {
    this.#enqueue(key, entry);
  }

  /** Runs `work` alone on the lane of `key`, after everything queued before it and before anything after. */
  exclusive<R>(key: string, work: (lane: Lane) => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#enqueue(key, new ExclusiveJob((lane) => work(lane).then(resolve, reject)));
    });
  }

  /** How many keys have work queued or running (for tests and diagnostics). */
  get activeLanes(): number {
    let busy = 0;
    for (const lane of this.#lanes.values()) if (lane.busy) busy++;
    return busy;
  }

  /** How many lanes are held, busy or idle (at most {@link MAX_IDLE_LANES} plus the busy ones). */
  get heldLanes(): number {
    return this.#lanes.size;
  }

  #enqueue(key: string, job: Job<E>): void {
    let lane = this.#lanes.get(key);
    if (lane?.busy) {
      (lane.jobs ??= []).push(job);
      return;
    }
    if (lane) {
      lane.busy = true;
      lane.known = undefined; // what it knew is from an earlier busy spell: others may have written since
    } else {
      if (this.#lanes.size >= MAX_IDLE_LANES) this.#sweep();
      lane = { jobs: undefined, known: undefined, busy: true };
      this.#lanes.set(key, lane);
    }
    this.#run(key, lane, job);
  }

  /** Forgets every idle lane. */
  #sweep(): void {
    for (const [key, lane] of this.#lanes) if (!lane.busy) this.#lanes.delete(key);
  }

  /**
   * Runs one job (an exclusive one alone; an entry together with the entries queued right behind it, as one
   * batch), then the next queued one, and marks the lane idle once nothing is queued.
   */
  #run(key: string, lane: LaneState<E>, job: Job<E>): void {
    let running: Promise<unknown>;
    let batch: E[] | undefined;
    if (job instanceof ExclusiveJob) {
      running = job.run(lane);
    } else {
      batch = [job];
      const jobs = lane.jobs;
      if (jobs !== undefined) {
        let count = 0;
        while (count < jobs.length && !(jobs[count] instanceof ExclusiveJob)) count++;
        for (const queued of jobs.splice(0, count)) batch.push(queued as E);
      }
      running = this.#runBatch(key, batch, lane);
    }
    const next = (): void => {
      const queued = lane.jobs?.shift();
      if (queued === undefined) lane.busy = false;
      else this.#run(key, lane, queued);
    };
    running.then(next, (error: unknown) => {
      for (const entry of batch ?? []) entry.reject(error);
      next();
    });
  }
}
