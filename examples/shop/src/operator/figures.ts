/**
 * The operator page's figures, read from a `/metrics` scrape by the Prometheus names of the series
 * `@sessionkit/opentelemetry` exports (docs/observability.md lists them): a {@link Snapshot} of the cumulative
 * counters per scrape, and a {@link Point} of rates and latency quantiles between two snapshots.
 *
 * @module
 */
import type { Sample } from './prometheus-text.js';

/** The Prometheus names the figures come from. */
export const SERIES = {
  /**
   * `sessionkit.store.operation.duration` (seconds). Exporters that append the unit name it `..._seconds`;
   * `@opentelemetry/exporter-prometheus` does not, so both are read.
   */
  storeDuration: ['sessionkit_store_operation_duration_seconds', 'sessionkit_store_operation_duration'],
  /** `sessionkit.cache.lookups` by `sessionkit.result` (`hit` or `miss`). */
  cacheLookups: 'sessionkit_cache_lookups_total',
  /** `sessionkit.session.conflicts`. */
  conflicts: 'sessionkit_session_conflicts_total',
  /** `sessionkit.http.requests` by `sessionkit.http.outcome`. */
  httpRequests: 'sessionkit_http_requests_total',
} as const;

/** The cumulative figures of one scrape. */
export interface Snapshot {
  /** When it was taken (ms since the epoch). */
  readonly at: number;
  /** The store operation duration histogram over every backend, operation and outcome: cumulative buckets by upper bound (seconds), ascending. */
  readonly latency: ReadonlyArray<{ readonly le: number; readonly count: number }>;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly conflicts: number;
  /** HTTP requests by outcome (`loaded`, `anonymous`, `unavailable`, ...). */
  readonly requests: Readonly<Record<string, number>>;
}

/** The figures between two snapshots. */
export interface Point {
  /** The later snapshot's time (ms since the epoch). */
  readonly at: number;
  /** Median store operation latency in milliseconds; `null` without operations in the interval. */
  readonly p50Ms: number | null;
  /** 99th percentile store operation latency in milliseconds; `null` without operations in the interval. */
  readonly p99Ms: number | null;
  /** Near-cache hits over lookups, 0..1; `null` without lookups (no cache, or idle). */
  readonly hitRatio: number | null;
  readonly conflictsPerSec: number;
  /** Requests answered 503 because the store was unavailable, per second. */
  readonly unavailablePerSec: number;
  /** Requests per second by HTTP outcome. */
  readonly requestsPerSec: Readonly<Record<string, number>>;
}

const sumWhere = (samples: readonly Sample[], name: string, keep: (s: Sample) => boolean = () => true): number =>
  samples.reduce((sum, s) => (s.name === name && keep(s) ? sum + s.value : sum), 0);

/** Reads the figures out of a scrape's samples. */
export function snapshotOf(samples: readonly Sample[], at: number): Snapshot {
  const buckets = new Map<number, number>();
  const bucketNames = new Set<string>(SERIES.storeDuration.map((n) => `${n}_bucket`));
  const requests: Record<string, number> = {};
  for (const s of samples) {
    if (bucketNames.has(s.name) && s.labels.le !== undefined) {
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    } else if (s.name === SERIES.httpRequests) {
      const outcome = s.labels.sessionkit_http_outcome ?? 'unknown';
      requests[outcome] = (requests[outcome] ?? 0) + s.value;
    }
  }
  const result = (r: string) => (s: Sample) => s.labels.sessionkit_result === r;
  return {
    at,
    latency: [...buckets].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le),
    cacheHits: sumWhere(samples, SERIES.cacheLookups, result('hit')),
    cacheMisses: sumWhere(samples, SERIES.cacheLookups, result('miss')),
    conflicts: sumWhere(samples, SERIES.conflicts),
    requests,
  };
}

/** A counter's increase; a smaller value means the process restarted and counts from 0 again. */
const increase = (before: number, after: number): number => (after >= before ? after - before : after);

/**
 * The `q` quantile (0..1) of the observations in cumulative `buckets`, interpolated linearly inside the bucket it
 * falls in (as Prometheus' `histogram_quantile` does); `null` for no observations.
 */
export function bucketQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank && count > lowerCount) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    if (le !== Number.POSITIVE_INFINITY) lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** The figures between `before` and `after` (two snapshots of the same instance). */
export function pointBetween(before: Snapshot, after: Snapshot): Point {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001);
  const previous = new Map(before.latency.map((b) => [b.le, b.count]));
  const latency = after.latency.map(({ le, count }) => ({ le, count: increase(previous.get(le) ?? 0, count) }));
  const toMs = (s: number | null) => (s === null ? null : s * 1000);
  const hits = increase(before.cacheHits, after.cacheHits);
  const lookups = hits + increase(before.cacheMisses, after.cacheMisses);
  const requestsPerSec: Record<string, number> = {};
  for (const [outcome, count] of Object.entries(after.requests)) {
    requestsPerSec[outcome] = increase(before.requests[outcome] ?? 0, count) / seconds;
  }
  return {
    at: after.at,
    p50Ms: toMs(bucketQuantile(0.5, latency)),
    p99Ms: toMs(bucketQuantile(0.99, latency)),
    hitRatio: lookups > 0 ? hits / lookups : null,
    conflictsPerSec: increase(before.conflicts, after.conflicts) / seconds,
    unavailablePerSec: requestsPerSec.unavailable ?? 0,
    requestsPerSec,
  };
}
