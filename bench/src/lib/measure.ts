/**
 * The measuring loop every benchmark uses: run an async operation from `concurrency` workers for a fixed
 * time after a warm-up, and report throughput and latency percentiles. Baselines and SessionKit are measured
 * with the same loop, in the same process and run, so their ratio is meaningful.
 */
import { performance } from 'node:perf_hooks';

/** Throughput and latency of one measured operation. */
export interface Measurement {
  /** Completed operations per second. */
  opsPerSec: number;
  /** Median latency, ms. */
  p50Ms: number;
  /** 99th percentile latency, ms. */
  p99Ms: number;
  /** Operations completed in the measured window. */
  ops: number;
}

/** One side-by-side comparison, as every bench module reports it. */
export interface BenchResult {
  /** What was measured (SessionKit side). */
  name: string;
  /** What it was compared with. */
  baseline: string;
  opsPerSec: number;
  baselineOpsPerSec: number;
  /** `opsPerSec / baselineOpsPerSec` unless `notes` says otherwise. */
  ratio: number;
  /** The target from the issue, e.g. `">= 0.85x"`. */
  target?: string;
  /** Whether the target was met in this run. */
  met?: boolean;
  p50Ms?: number;
  p99Ms?: number;
  baselineP50Ms?: number;
  baselineP99Ms?: number;
  notes?: string;
}

/** Options for {@link measure}. */
export interface MeasureOptions {
  /** Measured window in milliseconds. */
  durationMs: number;
  /** Warm-up before measuring, in milliseconds. Default a quarter of the window. */
  warmupMs?: number;
  /** Parallel workers, each awaiting one operation at a time. Default 1. */
  concurrency?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runFor(operation: (worker: number) => Promise<unknown>, ms: number, concurrency: number, latencies?: number[]): Promise<number> {
  const end = performance.now() + ms;
  let ops = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        const start = performance.now();
        await operation(worker);
        latencies?.push(performance.now() - start);
        ops++;
      }
    }),
  );
  return ops;
}

/** Measures `operation` (called with the worker index) for `durationMs` after a warm-up. */
export async function measure(operation: (worker: number) => Promise<unknown>, options: MeasureOptions): Promise<Measurement> {
  const concurrency = options.concurrency ?? 1;
  await runFor(operation, options.warmupMs ?? options.durationMs / 4, concurrency);
  const latencies: number[] = [];
  const started = performance.now();
  const ops = await runFor(operation, options.durationMs, concurrency, latencies);
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { opsPerSec: ops / elapsed, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), ops };
}

/**
 * Measures SessionKit and its baseline alternately (A, B, A, B ...) for `rounds` rounds and keeps each side's
 * best round, so slow drift on a shared machine hits both sides alike. Builds the {@link BenchResult}.
 */
export async function compare(
  spec: { name: string; baseline: string; target?: { min?: number; max?: number; label: string }; notes?: string },
  subject: (worker: number) => Promise<unknown>,
  baseline: (worker: number) => Promise<unknown>,
  options: MeasureOptions & { rounds?: number },
): Promise<BenchResult> {
  let best: Measurement | undefined;
  let bestBaseline: Measurement | undefined;
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    const b = await measure(baseline, options);
    const s = await measure(subject, options);
    if (!bestBaseline || b.opsPerSec > bestBaseline.opsPerSec) bestBaseline = b;
    if (!best || s.opsPerSec > best.opsPerSec) best = s;
  }
  const ratio = best!.opsPerSec / bestBaseline!.opsPerSec;
  const result: BenchResult = {
    name: spec.name,
    baseline: spec.baseline,
    opsPerSec: best!.opsPerSec,
    baselineOpsPerSec: bestBaseline!.opsPerSec,
    ratio,
    p50Ms: best!.p50Ms,
    p99Ms: best!.p99Ms,
    baselineP50Ms: bestBaseline!.p50Ms,
    baselineP99Ms: bestBaseline!.p99Ms,
  };
  if (spec.target) {
    result.target = spec.target.label;
    result.met = (spec.target.min === undefined || ratio >= spec.target.min) && (spec.target.max === undefined || ratio <= spec.target.max);
  }
  if (spec.notes) result.notes = spec.notes;
  return result;
}

/** Prints results as a plain table. */
export function printResults(results: BenchResult[]): void {
  const rows = results.map((r) => ({
    benchmark: r.name,
    baseline: r.baseline,
    'ops/s': Math.round(r.opsPerSec),
    'baseline ops/s': Math.round(r.baselineOpsPerSec),
    ratio: r.ratio.toFixed(2),
    target: r.target ?? '',
    met: r.met === undefined ? '' : r.met ? 'met' : 'NOT met',
    'p50 ms': r.p50Ms?.toFixed(3) ?? '',
    'p99 ms': r.p99Ms?.toFixed(3) ?? '',
  }));
  console.table(rows);
}
