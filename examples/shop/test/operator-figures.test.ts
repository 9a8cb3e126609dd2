/**
 * The operator page's arithmetic: parsing Prometheus text, and latency quantiles, hit ratio and rates between two
 * scrapes.
 */
import { describe, expect, it } from 'vitest';
import { bucketQuantile, pointBetween, snapshotOf } from '../src/operator/figures.js';
import { parsePrometheusText } from '../src/operator/prometheus-text.js';

const scrape = (ops: number[], hits: number, misses: number, loaded: number, unavailable: number, conflicts = 0) => `
# HELP sessionkit_store_operation_duration Duration of session store operations.
# TYPE sessionkit_store_operation_duration histogram
sessionkit_store_operation_duration_bucket{db_system="redis",db_operation_name="get",sessionkit_outcome="ok",le="0.001"} ${ops[0]}
sessionkit_store_operation_duration_bucket{db_system="redis",db_operation_name="get",sessionkit_outcome="ok",le="0.01"} ${ops[1]}
sessionkit_store_operation_duration_bucket{db_system="redis",db_operation_name="get",sessionkit_outcome="ok",le="+Inf"} ${ops[2]}
sessionkit_store_operation_duration_count{db_system="redis",db_operation_name="get",sessionkit_outcome="ok"} ${ops[2]}
sessionkit_cache_lookups_total{sessionkit_cache="near",sessionkit_result="hit"} ${hits}
sessionkit_cache_lookups_total{sessionkit_cache="near",sessionkit_result="miss"} ${misses}
sessionkit_session_conflicts_total{sessionkit_conflict_resolution="merged"} ${conflicts}
sessionkit_http_requests_total{sessionkit_http_outcome="loaded"} ${loaded}
sessionkit_http_requests_total{sessionkit_http_outcome="unavailable"} ${unavailable}
`;

describe('parsePrometheusText', () => {
  it('reads names, labels (escapes and braces in values included) and special values', () => {
    const samples = parsePrometheusText(
      [
        '# TYPE x counter',
        'x_total{a="1",b="q\\"uo}te\\\\n"} 3 1700000000000',
        'y 1.5e-3',
        'z{le="+Inf"} +Inf',
        'garbage line {',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'x_total', labels: { a: '1', b: 'q"uo}te\\n' }, value: 3 },
      { name: 'y', labels: {}, value: 0.0015 },
      { name: 'z', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
    ]);
  });
});

describe('bucketQuantile', () => {
  it('interpolates inside the bucket the rank falls in', () => {
    const buckets = [
      { le: 1, count: 50 },
      { le: 2, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(bucketQuantile(0.5, buckets)).toBe(1);
    expect(bucketQuantile(0.75, buckets)).toBe(1.5);
    expect(bucketQuantile(0.25, buckets)).toBe(0.5);
  });
  it('gives the highest finite bound for a rank in the +Inf bucket, and null without observations', () => {
    expect(
      bucketQuantile(0.99, [
        { le: 1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 10 },
      ]),
    ).toBe(1);
    expect(bucketQuantile(0.5, [{ le: 1, count: 0 }])).toBeNull();
    expect(bucketQuantile(0.5, [])).toBeNull();
  });
});

describe('pointBetween', () => {
  it('computes quantiles, hit ratio and rates from the increase between two scrapes', () => {
    const before = snapshotOf(parsePrometheusText(scrape([100, 100, 100], 10, 10, 50, 0)), 10_000);
    // 100 new operations: 90 under 1 ms, 10 between 1 and 10 ms; 30 hits, 10 misses; 2 s later.
    const after = snapshotOf(parsePrometheusText(scrape([190, 200, 200], 40, 20, 250, 10, 4)), 12_000);
    const point = pointBetween(before, after);
    expect(point.at).toBe(12_000);
    expect(point.p50Ms).toBeCloseTo((0.5 * 100 * 0.001) / 90 / 0.001, 5);
    expect(point.p99Ms).toBeCloseTo(1 + (9 * (99 - 90)) / 10, 5);
    expect(point.hitRatio).toBe(0.75);
    expect(point.conflictsPerSec).toBe(2);
    expect(point.requestsPerSec).toEqual({ loaded: 100, unavailable: 5 });
    expect(point.unavailablePerSec).toBe(5);
  });
  it('treats a smaller counter as a restart (counts from zero) and an idle interval as no latency', () => {
    const before = snapshotOf(parsePrometheusText(scrape([5, 5, 5], 0, 0, 80, 0)), 0);
    const restarted = snapshotOf(parsePrometheusText(scrape([0, 0, 0], 0, 0, 20, 0)), 1000);
    const point = pointBetween(before, restarted);
    expect(point.requestsPerSec.loaded).toBe(20);
    expect(point.p50Ms).toBeNull();
    expect(point.hitRatio).toBeNull();
  });
});
