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
  /**
   * Operations per second of CPU time used by the whole process (all threads, so garbage collection counts)
   * during the window. For an in-process, CPU-bound operation this is the work each operation costs, and it
   * barely moves when other processes take the CPU away for a while, which wall-clock throughput does.
   */
  opsPerCpuSec: number;
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

async function runFor(
  operation: (worker: number) => Promise<unknown>,
  ms: number,
  concurrency: number,
  latencies?: number[],
): Promise<number> {
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
export async function measure(
  operation: (worker: number) => Promise<unknown>,
  options: MeasureOptions,
): Promise<Measurement> {
  const concurrency = options.concurrency ?? 1;
  await runFor(operation, options.warmupMs ?? options.durationMs / 4, concurrency);
  const latencies: number[] = [];
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const ops = await runFor(operation, options.durationMs, concurrency, latencies);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const sorted = Float64Array.from(latencies).sort();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    opsPerSec: ops / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ops,
    opsPerCpuSec: ops / cpuSeconds,
  };
}

/** How {@link compare} turns its alternating rounds into one result. */
export type RoundAggregate =
  /** Each side keeps its best round; the ratio is best / best. The default. */
  | 'best-round'
  /**
   * Each round measures baseline then SessionKit back to back, after a garbage collection before each side;
   * the ratio is the median of the per-round ratios, and each side's ops/s and latencies are the medians of
   * its rounds. Meant for short, CPU-bound operations: a burst of load from another process lands on one
   * round's pair rather than on one side, and the median drops the pairs it spoiled.
   */
  | 'paired-median';

/** Options for {@link compare}. */
export interface CompareOptions extends MeasureOptions {
  /** Alternating rounds. Default 3. */
  rounds?: number;
  /** How the rounds are combined. Default `'best-round'`. */
  aggregate?: RoundAggregate;
}

/**
 * Measures SessionKit and its baseline alternately (A, B, A, B ...) for `rounds` rounds, so slow drift on a
 * shared machine hits both sides alike, and combines the rounds as `options.aggregate` says: by default each
 * side keeps its best round. Builds the {@link BenchResult}.
 */
export async function compare(
  spec: { name: string; baseline: string; target?: { min?: number; max?: number; label: string }; notes?: string },
  subject: (worker: number) => Promise<unknown>,
  baseline: (worker: number) => Promise<unknown>,
  options: CompareOptions,
): Promise<BenchResult> {
  const rounds = options.rounds ?? 3;
  const paired = options.aggregate === 'paired-median';
  const subjectRounds: Measurement[] = [];
  const baselineRounds: Measurement[] = [];
  for (let round = 0; round < rounds; round++) {
    // In paired mode each side starts from a collected heap, so neither pays for the other's garbage.
    if (paired) collectGarbage();
    baselineRounds.push(await measure(baseline, options));
    if (paired) collectGarbage();
    subjectRounds.push(await measure(subject, options));
  }
  const result = paired
    ? pairedMedian(spec, subjectRounds, baselineRounds)
    : bestRounds(spec, subjectRounds, baselineRounds);
  if (spec.target) {
    const ratio = result.ratio;
    result.target = spec.target.label;
    result.met =
      (spec.target.min === undefined || ratio >= spec.target.min) &&
      (spec.target.max === undefined || ratio <= spec.target.max);
  }
  return result;
}

/** Each side's best round, and the ratio of the two. */
function bestRounds(
  spec: { name: string; baseline: string; notes?: string },
  subject: Measurement[],
  baseline: Measurement[],
): BenchResult {
  const best = subject.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a));
  const bestBaseline = baseline.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a));
  const result: BenchResult = {
    name: spec.name,
    baseline: spec.baseline,
    opsPerSec: best.opsPerSec,
    baselineOpsPerSec: bestBaseline.opsPerSec,
    ratio: best.opsPerSec / bestBaseline.opsPerSec,
    p50Ms: best.p50Ms,
    p99Ms: best.p99Ms,
    baselineP50Ms: bestBaseline.p50Ms,
    baselineP99Ms: bestBaseline.p99Ms,
  };
  if (spec.notes) result.notes = spec.notes;
  return result;
}

/**
 * The median of the per-round ratios, with each side's medians. The notes give the ratios' spread, and the
 * same statistics computed from CPU time instead of wall-clock time, to tell the cost of the code from the
 * load on the machine.
 */
function pairedMedian(
  spec: { name: string; baseline: string; notes?: string },
  subject: Measurement[],
  baseline: Measurement[],
): BenchResult {
  const ratios = subject.map((s, i) => s.opsPerSec / baseline[i]!.opsPerSec).sort((a, b) => a - b);
  const cpuRatios = subject.map((s, i) => s.opsPerCpuSec / baseline[i]!.opsPerCpuSec).sort((a, b) => a - b);
  const of = (rounds: Measurement[], field: keyof Measurement) =>
    median(rounds.map((m) => m[field]).sort((a, b) => a - b));
  const spread =
    `ratio = median of ${ratios.length} paired rounds (baseline then SessionKit, a GC before each), ${describe(ratios)}; ` +
    `per CPU-second instead of per second: median ${median(cpuRatios).toFixed(2)}, ${describe(cpuRatios)}; ` +
    `ops/s and latencies are each side's medians`;
  return {
    name: spec.name,
    baseline: spec.baseline,
    opsPerSec: of(subject, 'opsPerSec'),
    baselineOpsPerSec: of(baseline, 'opsPerSec'),
    ratio: median(ratios),
    p50Ms: of(subject, 'p50Ms'),
    p99Ms: of(subject, 'p99Ms'),
    baselineP50Ms: of(baseline, 'p50Ms'),
    baselineP99Ms: of(baseline, 'p99Ms'),
    notes: spec.notes ? `${spec.notes}; ${spread}` : spread,
  };
}

/** Lowest, quartiles and highest of sorted ratios, for the notes. */
function describe(sorted: number[]): string {
  const at = (q: number) => quantile(sorted, q).toFixed(2);
  return `lowest ${at(0)}, quartiles ${at(0.25)}-${at(0.75)}, highest ${at(1)}`;
}

/** The median of `values` (any order). */
export function medianOf(values: number[]): number {
  return median([...values].sort((a, b) => a - b));
}

/** The value at percentile `p` (0-100) of `values` (any order), by the rule {@link measure} uses. */
export function percentileOf(values: number[], p: number): number {
  return percentile(Float64Array.from(values).sort(), p);
}

/** The median of sorted values (the mean of the middle two for an even count). */
function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The value at fraction `q` of sorted values, interpolating linearly between neighbours. */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** A full collection when the process runs with `--expose-gc` (the bench scripts pass it); otherwise nothing. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
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
