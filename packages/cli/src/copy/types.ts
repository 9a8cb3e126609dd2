/**
 * The shapes the copy engine ({@link copySessions}) takes and reports: its options, its counts, the position a
 * checkpoint saves, its progress snapshots and its result.
 *
 * @module
 */
import type { SessionKitError } from '@sessionkit/core';

/** How every listed record ended. The four counts add up to the records listed by the scan. */
export interface CopyCounts {
  /** Written to the target by `create`. */
  copied: number;
  /** Past `expiresAt` before it could be written (or the moment it was written): not copied. */
  skippedExpired: number;
  /**
   * The target already held a live record under the key (`create` answered `false`): left as it is, never
   * overwritten. A resumed copy counts here what the interrupted run wrote after its last checkpoint.
   */
  skippedExisting: number;
  /** Refused by the target with a non-retryable error (e.g. a payload above the target's limit). */
  failed: number;
}

/** Where a copy stands: what a checkpoint saves, and what {@link CopyOptions.resume} continues from. */
export interface CopyPosition {
  /** The scan cursor to go on from; `null` = from the beginning (no page finished yet). */
  cursor: string | null;
  /** `true` once the last page was finished: nothing is left to copy. */
  done: boolean;
  /** The counts of every finished page, over all runs. */
  counts: CopyCounts;
  /**
   * Of `counts.skippedExisting`, the records whose target copy has another version or other data bytes than the
   * source's (the target was written by something else, or the source changed after an earlier run copied it).
   * Reported, never overwritten.
   */
  differing: number;
  /** Scan pages finished, over all runs. */
  pages: number;
  /** Time spent copying, over all runs, in ms. */
  elapsedMs: number;
}

/** A progress snapshot, handed to {@link CopyOptions.onProgress}. */
export interface CopyProgress {
  /**
   * Counts over all runs: the resumed position's plus every record settled in this run (including those of
   * pages not yet checkpointed).
   */
  counts: CopyCounts;
  /** Of `counts.skippedExisting`, the differing ones. */
  differing: number;
  /** Records listed by the scan in this run. */
  scanned: number;
  /** Records settled in this run. */
  settled: number;
  /** Scan pages received in this run. */
  pages: number;
  /** Time since this run started, in ms. */
  elapsedMs: number;
  /** Records settled per second in this run so far. */
  perSecond: number;
  /** `true` on the last snapshot of the run. */
  final: boolean;
}

/** How {@link copySessions} ended. */
export type CopyOutcome =
  /** Every page of the scan was finished. */
  | 'completed'
  /** Stopped by {@link CopyOptions.signal}: in-flight writes finished, the position saved. */
  | 'interrupted'
  /** Stopped by an error that retries did not overcome (source or target unavailable, checkpoint not writable). */
  | 'aborted';

/** What {@link copySessions} resolves. */
export interface CopyResult {
  outcome: CopyOutcome;
  /**
   * The counts of every finished page over all runs (= the last checkpoint's). After an interruption, records
   * settled in pages that were not finished are not in them: a resumed copy settles them again (a record it
   * wrote counts then as skipped-existing), so resumed totals add up to the records listed once.
   */
  counts: CopyCounts;
  /** Of `counts.skippedExisting`, the differing ones. */
  differing: number;
  /** The final position (saved by the last checkpoint call). */
  position: CopyPosition;
  /** Records listed by the scan in this run. */
  scanned: number;
  /** Records settled in this run (copied, skipped or failed), checkpointed or not. */
  settled: number;
  /** Of `settled`, those written to the target in this run. */
  copiedThisRun: number;
  /** Scan pages received in this run. */
  pages: number;
  /** Duration of this run, in ms. */
  elapsedMs: number;
  /** `settled` per second of this run. */
  perSecond: number;
  /** Failed records of this run by error code (e.g. `{ PAYLOAD_TOO_LARGE: 2 }`). */
  failures: Record<string, number>;
  /** With `outcome: 'aborted'`: the error that stopped the copy. */
  error?: SessionKitError;
}

/** Options of {@link copySessions}. */
export interface CopyOptions {
  /** Target writes in flight at most. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /** The `limit` of each `scan` call. Default {@link DEFAULT_PAGE_SIZE}. */
  pageSize?: number;
  /** At most this many target writes per second (sessions/s). Default: no limit. */
  rate?: number;
  /** Aborting it stops the copy: no new write starts, the in-flight ones finish, the position is saved. */
  signal?: AbortSignal;
  /** Continue from this position (the last checkpoint of an earlier run). Default: from the beginning. */
  resume?: CopyPosition;
  /**
   * Saves a position. Called after each page once it and every page before it are finished (never two calls
   * at once; positions only move forward), and once at the end. A rejection aborts the copy.
   */
  onCheckpoint?: (position: CopyPosition) => Promise<void>;
  /** Receives a snapshot every {@link CopyOptions.progressIntervalMs} and once at the end. */
  onProgress?: (progress: CopyProgress) => void;
  /** Default 250 ms. */
  progressIntervalMs?: number;
  /**
   * Further attempts of a call that failed with a retryable error (unavailable, timeout, contention), with a
   * jittered exponential backoff (100 ms to 2 s). When they are used up the copy is aborted, resumable from its
   * last checkpoint. Default {@link DEFAULT_RETRIES}.
   */
  retries?: number;
  /** Epoch-ms clock for the expiry checks. Default `Date.now`. */
  now?: () => number;
}

/** Default {@link CopyOptions.concurrency}. */
export const DEFAULT_CONCURRENCY = 64;
/** Default {@link CopyOptions.pageSize}. */
export const DEFAULT_PAGE_SIZE = 500;
/** Default {@link CopyOptions.retries}. */
export const DEFAULT_RETRIES = 5;

/** Zeroed counts. */
export function zeroCounts(): CopyCounts {
  return { copied: 0, skippedExpired: 0, skippedExisting: 0, failed: 0 };
}

/** `a + b`, field by field. */
export function addCounts(a: CopyCounts, b: CopyCounts): CopyCounts {
  return {
    copied: a.copied + b.copied,
    skippedExpired: a.skippedExpired + b.skippedExpired,
    skippedExisting: a.skippedExisting + b.skippedExisting,
    failed: a.failed + b.failed,
  };
}

/** Records the counts account for. */
export function totalOf(counts: CopyCounts): number {
  return counts.copied + counts.skippedExpired + counts.skippedExisting + counts.failed;
}
