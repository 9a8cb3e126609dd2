/**
 * The copy engine: every live session of one store written into another with `create`, resumable, paced and
 * bounded. `sessionkit copy` is a thin shell around it; it is usable on its own with any two stores.
 *
 * How it works:
 * - The source is walked with its admin `scan` (one page ahead: the next page is fetched while the current
 *   one is written). A store without `scan` (memcached) is refused with {@link SourceNotEnumerableError}.
 * - Each record is written with `create`, so the target fills its own per-user index and nothing already on
 *   the target is overwritten. `expiresAt` is absolute and is written as it is, which preserves the remaining
 *   TTL. A record past `expiresAt` when its turn comes (or by the time its write returned) is skipped-expired.
 * - `create` answering `false` means the target holds a live record under that key: skipped-existing. The
 *   target's record is then read (`'strong'`) and compared with the source's (version and data bytes); a
 *   difference is counted in `differing` and left alone: the copy never overwrites, because a target that
 *   already serves traffic may hold the newer state.
 * - At most `concurrency` writes are in flight, at most `rate` start per second.
 * - Pages finish out of order. Once a page and every page before it are finished, the cursor after it and
 *   the counts so far are handed to `onCheckpoint` (one call at a time, coalesced). A run stopped at any point
 *   (signal, crash, kill) resumes from the last such position: records of later pages are settled again, and
 *   the ones it had already written count as skipped-existing, so nothing is copied twice.
 * - Retryable errors (unavailable, timeout, contention) are retried with backoff; when the retries are used up
 *   the copy stops (`'aborted'`, resumable), because the next records would fail the same way. A record the
 *   target refuses for good (payload too large, a deadline the target cannot store) is counted failed and the
 *   copy goes on.
 *
 * @module
 */
import {
  backoffDelay,
  ConfigurationError,
  type ResolvedRetryOptions,
  type ScanEntry,
  type ScanPage,
  type SessionKitError,
  type SessionStore,
  type StoredSession,
  scanLimit,
  sleep,
  toSessionKitError,
} from '@sessionkit/core';
import { SourceNotEnumerableError } from './errors.js';
import { RateLimiter } from './rate-limiter.js';
import { Slots } from './slots.js';
import {
  addCounts,
  type CopyCounts,
  type CopyOptions,
  type CopyPosition,
  type CopyProgress,
  type CopyResult,
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DEFAULT_RETRIES,
  zeroCounts,
} from './types.js';

/** Backoff between attempts of a call that failed with a retryable error. */
const RETRY_BACKOFF: ResolvedRetryOptions = { timeoutMs: 0, baseDelayMs: 100, maxDelayMs: 2_000 };

/** How one record ended. */
type Settled = 'copied' | 'expired' | 'existing' | 'differing' | { failed: string };

/** A scan page being written. */
interface OpenPage {
  /** The cursor after this page (`undefined`: the last page). */
  cursor: string | undefined;
  /** Records dispatched and not settled yet. */
  pending: number;
  /** All the page's records were dispatched. */
  dispatched: boolean;
  counts: CopyCounts;
  differing: number;
}

/** Thrown inside the engine when a retryable error outlived its retries: it stops the copy. */
class Fatal {
  constructor(readonly error: SessionKitError) {}
}

/**
 * Copies every live session of `from` into `to` (see the module documentation for the semantics). Resolves
 * when the scan is finished, the signal stopped it, or an error did; only invalid options and a source without
 * `scan` reject.
 *
 * @throws {SourceNotEnumerableError} when `from` has no `scan`
 * @throws {ConfigurationError} for an invalid option
 */
export async function copySessions(
  from: SessionStore,
  to: SessionStore,
  options: CopyOptions = {},
): Promise<CopyResult> {
  if (from.capabilities.scan !== true || typeof from.scan !== 'function') throw new SourceNotEnumerableError(from.name);
  const scan = from.scan.bind(from);
  const concurrency = integer('concurrency', options.concurrency ?? DEFAULT_CONCURRENCY, 1);
  const pageSize = scanLimit(from.name, options.pageSize ?? DEFAULT_PAGE_SIZE);
  const retries = integer('retries', options.retries ?? DEFAULT_RETRIES, 0);
  const progressIntervalMs = integer('progressIntervalMs', options.progressIntervalMs ?? 250, 1);
  const limiter = options.rate === undefined ? undefined : new RateLimiter(options.rate);
  const now = options.now ?? Date.now;
  const { signal, onCheckpoint, onProgress } = options;

  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const resumed = options.resume;
  let position: CopyPosition = resumed
    ? { ...resumed, counts: { ...resumed.counts } }
    : { cursor: null, done: false, counts: zeroCounts(), differing: 0, pages: 0, elapsedMs: 0 };
  const baseCounts = position.counts;
  const baseDiffering = position.differing;
  const baseElapsedMs = position.elapsedMs;

  // This run's tallies: every settled record, checkpointed or not.
  const run = zeroCounts();
  let runDiffering = 0;
  let scanned = 0;
  let pagesReceived = 0;
  const failures: Record<string, number> = {};
  let stopError: SessionKitError | undefined;
  const stopping = () => stopError !== undefined || signal?.aborted === true;
  const stop = (error: SessionKitError) => {
    stopError ??= error;
  };

  /** Runs `call`, retrying retryable failures; a retryable failure past the retries becomes {@link Fatal}. */
  async function attempt<T>(store: SessionStore, operation: string, call: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await call();
      } catch (error) {
        const typed = toSessionKitError(error, 'STORE_UNAVAILABLE', `${operation} failed`, {
          store: store.name,
          operation,
        });
        if (typed.retryable && n < retries && !stopError) {
          await sleep(backoffDelay(n + 1, RETRY_BACKOFF));
          continue;
        }
        // A closed store or an exhausted retry says nothing about this record: every next one would fail alike.
        if (typed.retryable || typed.code === 'STORE_CLOSED') throw new Fatal(typed);
        throw typed;
      }
    }
  }

  /** Writes one record to the target and says how it ended. Throws {@link Fatal} only. */
  async function settle({ key, session }: ScanEntry): Promise<Settled> {
    if (session.expiresAt <= now()) return 'expired';
    let created: boolean;
    try {
      created = await attempt(to, 'create', () => to.create(key, session));
    } catch (error) {
      if (error instanceof Fatal) throw error;
      return { failed: (error as SessionKitError).code };
    }
    if (created) return now() >= session.expiresAt ? 'expired' : 'copied';
    let existing: StoredSession | null;
    try {
      existing = await attempt(to, 'get', () => to.get(key, { consistency: 'strong' }));
    } catch (error) {
      if (error instanceof Fatal) throw error;
      // The target's record is there but unreadable (e.g. corrupt): still not overwritten; report it as differing.
      return 'differing';
    }
    return existing !== null && !sameRecord(existing, session) ? 'differing' : 'existing';
  }

  // Finished pages move the checkpoint forward, in scan order.
  const open: OpenPage[] = [];
  let saving: Promise<void> | undefined;
  let saveAgain = false;
  const snapshot = (): CopyPosition => ({
    ...position,
    counts: { ...position.counts },
    elapsedMs: baseElapsedMs + elapsed(),
  });
  const scheduleSave = () => {
    if (!onCheckpoint) return;
    saveAgain = true;
    saving ??= (async () => {
      try {
        while (saveAgain) {
          saveAgain = false;
          await onCheckpoint(snapshot());
        }
      } catch (error) {
        stop(toSessionKitError(error, 'STORE_UNAVAILABLE', 'checkpoint not saved', { operation: 'checkpoint' }));
      } finally {
        saving = undefined;
      }
    })();
  };
  const advance = () => {
    let moved = false;
    while (open.length > 0 && open[0]!.dispatched && open[0]!.pending === 0) {
      const page = open.shift()!;
      position = {
        cursor: page.cursor ?? null,
        done: page.cursor === undefined,
        counts: addCounts(position.counts, page.counts),
        differing: position.differing + page.differing,
        pages: position.pages + 1,
        elapsedMs: position.elapsedMs,
      };
      moved = true;
    }
    if (moved) scheduleSave();
  };
  const record = (page: OpenPage, settled: Settled) => {
    const add = (field: keyof CopyCounts) => {
      page.counts[field]++;
      run[field]++;
    };
    if (settled === 'copied') add('copied');
    else if (settled === 'expired') add('skippedExpired');
    else if (settled === 'existing') add('skippedExisting');
    else if (settled === 'differing') {
      add('skippedExisting');
      page.differing++;
      runDiffering++;
    } else {
      add('failed');
      failures[settled.failed] = (failures[settled.failed] ?? 0) + 1;
    }
    page.pending--;
    advance();
  };

  const settledThisRun = () => run.copied + run.skippedExpired + run.skippedExisting + run.failed;
  const progress = (final: boolean): CopyProgress => {
    const ms = elapsed();
    return {
      counts: addCounts(baseCounts, run),
      differing: baseDiffering + runDiffering,
      scanned,
      settled: settledThisRun(),
      pages: pagesReceived,
      elapsedMs: ms,
      perSecond: ms > 0 ? (settledThisRun() * 1000) / ms : 0,
      final,
    };
  };
  const ticker = onProgress ? setInterval(() => onProgress(progress(false)), progressIntervalMs) : undefined;
  ticker?.unref();

  const slots = new Slots(concurrency);
  const fetchPage = (cursor: string | null): Promise<ScanPage> => {
    const page = attempt(from, 'scan', () => scan(cursor === null ? { limit: pageSize } : { cursor, limit: pageSize }));
    page.catch(() => undefined); // awaited below, or dropped once the copy stops
    return page;
  };
  let next = position.done ? undefined : fetchPage(position.cursor);
  try {
    while (next && !stopping()) {
      let page: ScanPage;
      try {
        page = await next;
      } catch (error) {
        stop(error instanceof Fatal ? error.error : (error as SessionKitError));
        break;
      }
      next = page.cursor !== undefined && !stopping() ? fetchPage(page.cursor) : undefined;
      pagesReceived++;
      scanned += page.entries.length;
      const state: OpenPage = {
        cursor: page.cursor,
        pending: 0,
        dispatched: false,
        counts: zeroCounts(),
        differing: 0,
      };
      open.push(state);
      for (const entry of page.entries) {
        if (limiter && entry.session.expiresAt > now()) await limiter.acquire(signal);
        await slots.acquire();
        if (stopping()) {
          slots.release();
          break;
        }
        state.pending++;
        settle(entry).then(
          (settled) => {
            slots.release();
            record(state, settled);
          },
          (error: unknown) => {
            slots.release();
            stop(error instanceof Fatal ? error.error : toSessionKitError(error, 'STORE_UNAVAILABLE', 'copy failed'));
          },
        );
      }
      if (stopping()) break;
      state.dispatched = true;
      advance();
    }
    await slots.idle();
    await next?.catch(() => undefined);
  } finally {
    if (ticker) clearInterval(ticker);
  }
  await saving;
  const finalPosition = snapshot();
  if (onCheckpoint) {
    try {
      await onCheckpoint(finalPosition);
    } catch (error) {
      stop(toSessionKitError(error, 'STORE_UNAVAILABLE', 'checkpoint not saved', { operation: 'checkpoint' }));
    }
  }
  const final = progress(true);
  onProgress?.(final);
  const result: CopyResult = {
    outcome: stopError ? 'aborted' : position.done ? 'completed' : 'interrupted',
    counts: { ...position.counts },
    differing: position.differing,
    position: finalPosition,
    scanned,
    settled: final.settled,
    copiedThisRun: run.copied,
    pages: pagesReceived,
    elapsedMs: final.elapsedMs,
    perSecond: final.perSecond,
    failures,
  };
  if (stopError) result.error = stopError;
  return result;
}

/** Whether two records carry the same version and the same data bytes. */
function sameRecord(a: StoredSession, b: StoredSession): boolean {
  return a.version === b.version && bytes(a.data).equals(bytes(b.data));
}

/** A Buffer view of `data` (no copy). */
function bytes(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Checks an integer option. */
function integer(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`${name} must be an integer >= ${min}, got ${String(value)}`, { operation: 'copy' });
  }
  return value;
}
