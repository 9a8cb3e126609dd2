/**
 * `npm run bench`: runs every comparison (core, each adapter, tiered, HTTP), the framework benchmarks (Fastify,
 * Koa, Hono), the server CPU per read and write request, the same-session write burst, the codec cost, the legacy
 * option's cost, the Cassandra commit-log sync modes' cost, the instrumentation cost, the scale runs and the
 * memory measurements against the real servers, one after the other in one process, then writes docs/benchmarks.md and
 * docs/images/bench-*.svg.
 *
 * Flags:
 *   --quick          short windows and fewer rounds; scale at 10k and 100k only (about 3 minutes)
 *   --only=a,b       run only these modules (core, redis, memcached, cassandra, dynamodb, hazelcast, tiered,
 *                    http, frameworks, http-cpu, burst, codec, legacy, commitlog, telemetry, copy, scale, memory); the
 *                    docs are then left alone unless --write is given
 *   --write          write the docs even with --only: the whole page from this run's results, except that
 *                    --only with frameworks, http-cpu, burst, codec, legacy, commitlog, telemetry and/or copy alone
 *                    replaces only
 *                    their sections of the existing page
 *   --render=FILE    only re-render the docs from a saved run (bench/.last-run.json is written by every run)
 *   --strict         exit 1 when a module failed (default: the failure is an error row and the exit code is 0)
 *
 * A module that throws or exceeds its time limit becomes an error row; the run continues.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BurstReport } from './burst.js';
import type { CodecReport } from './codec.js';
import type { CommitlogReport } from './commitlog.js';
import { type CopyBenchReport, printCopyReport } from './copy.js';
import { type FrameworksReport, frameworkResults, printFrameworkCpu } from './frameworks.js';
import { type HttpCpuReport, printCpuReport } from './http-cpu.js';
import type { LegacyBenchReport } from './legacy.js';
import type { BenchResult } from './lib/measure.js';
import { printResults } from './lib/measure.js';
import type { MemoryRow } from './memory.js';
import { frameworksVerdicts } from './report/frameworks.js';
import { describeMachine, loadAverage } from './report/machine.js';
import { type ModuleOutcome, REPO, type RunReport, writePartSections, writeReport } from './report/markdown.js';
import type { SectionPart } from './report/sections.js';
import type { ScaleReport } from './scale.js';
import { printTelemetryReport, type TelemetryReport } from './telemetry.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .filter(Boolean);
const writeDocs = !only || args.includes('--write');
const strict = args.includes('--strict');

type Runner = (opts: { quick: boolean }) => Promise<BenchResult[]>;

/** Every comparison module, in run order, with the targets it must report (used for error rows). */
const MODULES: { name: string; load: () => Promise<Runner>; targets: string[] }[] = [
  {
    name: 'core',
    load: async () => (await import('./core.js')).runCoreBench,
    targets: ['SessionManager load + commit vs the store called directly: overhead <= 1.3x'],
  },
  {
    name: 'redis',
    load: async () => (await import('./redis.js')).runRedisBench,
    targets: [
      'get + CAS update vs raw ioredis >= 0.85x',
      'reads vs redis-benchmark -t get -c 50 -d 1024 >= 0.8x',
      'memory overhead per 1 KiB session <= 30 %',
    ],
  },
  {
    name: 'memcached',
    load: async () => (await import('./memcached.js')).runMemcachedBench,
    targets: ['get + CAS update vs raw memjs get + set >= 0.85x'],
  },
  {
    name: 'cassandra',
    load: async () => (await import('./cassandra.js')).runCassandraBench,
    targets: ['get + CAS update vs raw driver >= 0.9x'],
  },
  {
    name: 'dynamodb',
    load: async () => (await import('./dynamodb.js')).runDynamoDBBench,
    targets: ['get + conditional update vs raw SDK >= 0.9x'],
  },
  {
    name: 'hazelcast',
    load: async () => (await import('./hazelcast.js')).runHazelcastBench,
    targets: ['get + CAS update vs raw IMap >= 0.9x'],
  },
  {
    name: 'tiered',
    load: async () => (await import('./tiered.js')).runTieredBench,
    targets: ['warm-read p50 vs Redis alone <= 1.2x', 'warm-read p50 vs Cassandra alone <= 0.5x'],
  },
  {
    name: 'http',
    load: async () => (await import('./http.js')).runHttpBench,
    targets: [
      'req/s vs express-session + connect-redis >= 1.5x',
      'Redis commands per request <= 0.5x',
      'req/s vs Express + a do-nothing lazy session middleware >= 0.85x',
    ],
  },
];

const wanted = (name: string) => !only || only.includes(name);
const log = (line: string) => console.log(line);
const message = (error: unknown) =>
  (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error))
    .split('\n')[0]!
    .slice(0, 300);

/** Runs `task` with a time limit; on timeout the task is abandoned (the process exits at the end of the run). */
async function limited<T>(what: string, seconds: number, task: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      task(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds} s`)), seconds * 1000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `task`; if it fails, waits {@link RETRY_DELAY_MS} and runs it once more (the shared test servers are
 * sometimes restarted by other suites' fault tests). The first error is kept and shown in the report.
 */
const RETRY_DELAY_MS = 15_000;
async function retryOnce<T>(what: string, task: () => Promise<T>, onRetry: (firstError: string) => void): Promise<T> {
  try {
    return await task();
  } catch (error) {
    const first = message(error);
    log(`${what} failed (${first}); retrying once in ${RETRY_DELAY_MS / 1000} s`);
    onRetry(first);
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    return await task();
  }
}

const render = args.find((a) => a.startsWith('--render='))?.slice('--render='.length);
if (render) {
  const saved = JSON.parse(await readFile(render, 'utf8')) as RunReport & { startedAt: string };
  const files = await writeReport(
    { ...saved, startedAt: new Date(saved.startedAt) },
    MODULES.flatMap((m) => m.targets.map((target) => ({ module: m.name, target }))),
  );
  log(`re-rendered ${files.map((f) => relative(REPO, f)).join(', ')} from ${render}`);
  process.exit(0);
}

// A stray rejection from an abandoned module must not kill the run.
process.on('unhandledRejection', (reason) => console.error(`(ignored late rejection: ${message(reason)})`));

const startedAt = new Date();
const t0 = performance.now();
const loadStart = await loadAverage();
log(`SessionKit benchmarks, ${quick ? '--quick' : 'full run'}; load average at start: ${loadStart.raw}`);
if (!(globalThis as { gc?: unknown }).gc)
  log('note: run with node --expose-gc (npm run bench does) for the MemoryStore memory figure');
const machine = await describeMachine();
log(`${machine.cpuModel} x${machine.cores}, ${machine.memoryGiB.toFixed(1)} GiB, Node ${machine.node}`);

const moduleLimit = quick ? 90 : 600;
const modules: ModuleOutcome[] = [];
for (const module of MODULES.filter((m) => wanted(m.name))) {
  log(`\n== ${module.name}`);
  const started = performance.now();
  const outcome: ModuleOutcome = { module: module.name, results: [], seconds: 0 };
  try {
    const run = await module.load();
    outcome.results = await retryOnce(
      module.name,
      () => limited(module.name, moduleLimit, () => run({ quick })),
      (first) => {
        outcome.retried = first;
      },
    );
    printResults(outcome.results);
  } catch (error) {
    outcome.error = message(error);
    log(`ERROR in ${module.name}: ${outcome.error}`);
  }
  outcome.seconds = (performance.now() - started) / 1000;
  log(`(${module.name}: ${outcome.seconds.toFixed(1)} s)`);
  modules.push(outcome);
}

const extraSeconds: Record<string, number> = {};

/**
 * Runs one extra part of the bench when it is wanted: announces it, runs it under its time limit (once more
 * after a failure when `retry` is set, the first error kept in the report's `retried`), prints its table, and
 * records its duration. Resolves its report, or the error that stopped it.
 */
async function runPart<R extends object>(
  name: string,
  options: { limitSeconds: number; retry: boolean; run: () => Promise<R>; show: (report: R) => void },
): Promise<{ report?: R; error?: string }> {
  if (!wanted(name)) return {};
  log(`\n== ${name}`);
  const started = performance.now();
  let outcome: { report?: R; error?: string };
  try {
    const attempt = () => limited(name, options.limitSeconds, options.run);
    let retried: string | undefined;
    const report = options.retry
      ? await retryOnce(name, attempt, (first) => {
          retried = first;
        })
      : await attempt();
    if (retried) (report as { retried?: string }).retried = retried;
    options.show(report);
    outcome = { report };
  } catch (error) {
    outcome = { error: message(error) };
    log(`ERROR in ${name}: ${outcome.error}`);
  }
  extraSeconds[name] = (performance.now() - started) / 1000;
  log(`(${name}: ${extraSeconds[name].toFixed(1)} s)`);
  return outcome;
}

// Five servers per framework, three frameworks, the windows of the http module.
const { report: frameworks, error: frameworksError } = await runPart<FrameworksReport>('frameworks', {
  limitSeconds: quick ? 300 : 900,
  retry: true,
  run: async () => (await import('./frameworks.js')).runFrameworksBench({ quick, log }),
  show: (r) => {
    printResults(frameworkResults(r));
    printFrameworkCpu(r, log);
    for (const f of r.frameworks.filter((f) => f.error)) log(`${f.labels.name}: ERROR ${f.error}`);
    log(`${r.target.label}: ${r.target.met ? 'met' : 'NOT met'}`);
  },
});

const { report: httpCpu, error: httpCpuError } = await runPart<HttpCpuReport>('http-cpu', {
  limitSeconds: quick ? 240 : 420,
  retry: true,
  run: async () => (await import('./http-cpu.js')).runHttpCpuBench({ quick, log }),
  show: (r) => {
    printCpuReport(r);
    log(`${r.target.label}: ${r.target.met ? 'met' : 'NOT met'}`);
  },
});

const { report: burst, error: burstError } = await runPart<BurstReport>('burst', {
  limitSeconds: quick ? 90 : 300,
  retry: true,
  run: async () => (await import('./burst.js')).runBurstBench({ quick, log }),
  show: (r) => {
    console.table(
      r.sides.map((s) => ({
        side: s.side,
        acknowledged: s.acknowledged,
        persisted: s.persisted,
        lost: s.lost,
        'answers 409': s.conflicts,
        'answers >= 500': s.serverErrors,
        'drain p50 ms': s.drainP50Ms.toFixed(1),
        'drain p99 ms': s.drainP99Ms.toFixed(1),
      })),
    );
    log(`${r.target.label}: ${r.target.met ? 'met' : 'NOT met'}`);
  },
});

const { report: codec, error: codecError } = await runPart<CodecReport>('codec', {
  limitSeconds: quick ? 60 : 180,
  retry: false,
  run: async () => (await import('./codec.js')).runCodecBench({ quick }),
  show: (r) => {
    console.table(
      r.rows.map((r) => ({
        variant: r.name,
        µs: r.us.toFixed(2),
        'added µs': r.addedUs?.toFixed(2) ?? '',
        'stored bytes': r.storedBytes,
      })),
    );
    log(`${r.target.label}: ${r.target.met ? 'met' : 'NOT met'}`);
  },
});

const { report: legacy, error: legacyError } = await runPart<LegacyBenchReport>('legacy', {
  limitSeconds: quick ? 120 : 600,
  retry: true,
  run: async () => (await import('./legacy.js')).runLegacyBench({ quick }),
  show: (r) => {
    console.table(
      r.workloads.map((w) => ({
        load: w.name,
        ratio: w.ratio.toFixed(3),
        'per-round ratios': w.ratios.map((r) => r.toFixed(3)).join(' '),
      })),
    );
    log(`${r.target.label}: ${r.target.met ? 'met' : 'NOT met'}`);
  },
});

// The limit covers starting the three nodes (10-60 s on 2 cores) as well as measuring.
const { report: commitlog, error: commitlogError } = await runPart<CommitlogReport>('commitlog', {
  limitSeconds: quick ? 300 : 900,
  retry: true,
  run: async () => (await import('./commitlog.js')).runCommitlogBench({ quick, log }),
  show: (r) => {
    console.table(
      r.cases.map((c) => ({
        case: `${c.operation} c=${c.concurrency}`,
        'periodic ops/s': Math.round(c.modes.periodic.opsPerSec),
        'periodic p50 ms': c.modes.periodic.p50Ms.toFixed(2),
        'group ops/s': Math.round(c.modes.group.opsPerSec),
        'group p50 ms': c.modes.group.p50Ms.toFixed(2),
        'batch ops/s': Math.round(c.modes.batch.opsPerSec),
        'batch p50 ms': c.modes.batch.p50Ms.toFixed(2),
        'group/periodic ops': c.modes.group.opsRatio.toFixed(3),
        'batch/periodic ops': c.modes.batch.opsRatio.toFixed(3),
      })),
    );
  },
});

// Three store sides in this process and four HTTP server children, in alternating rounds.
const { report: telemetry, error: telemetryError } = await runPart<TelemetryReport>('telemetry', {
  limitSeconds: quick ? 240 : 600,
  retry: true,
  run: async () => (await import('./telemetry.js')).runTelemetryBench({ quick, log }),
  show: printTelemetryReport,
});

// `sessionkit copy`'s engine, Redis -> Cassandra and Redis -> tiered, next to scan alone and create alone.
const { report: copy, error: copyError } = await runPart<CopyBenchReport>('copy', {
  limitSeconds: quick ? 300 : 900,
  retry: true,
  run: async () => (await import('./copy.js')).runCopyBench({ quick, log }),
  show: printCopyReport,
});

let scale: ScaleReport | undefined;
let scaleError: string | undefined;
let scaleRetried: string | undefined;
if (wanted('scale')) {
  log('\n== scale');
  const started = performance.now();
  try {
    const { runScaleBench } = await import('./scale.js');
    scale = await retryOnce(
      'scale',
      () => limited('scale', quick ? 150 : 900, () => runScaleBench({ quick, log })),
      (first) => {
        scaleRetried = first;
      },
    );
    if (scaleRetried) scale.notes.push(`retried once after: ${scaleRetried}`);
  } catch (error) {
    scaleError = message(error);
    scale = (error as { partial?: ScaleReport }).partial;
    log(`ERROR in scale: ${scaleError}`);
  }
  if (scale) console.table(scale.points);
  extraSeconds.scale = (performance.now() - started) / 1000;
  log(`(scale: ${extraSeconds.scale.toFixed(1)} s)`);
}

let memory: MemoryRow[] | undefined;
let memoryError: string | undefined;
if (wanted('memory')) {
  log('\n== memory');
  const started = performance.now();
  try {
    const { runMemoryBench } = await import('./memory.js');
    memory = await limited('memory', quick ? 120 : 600, () => runMemoryBench({ quick, log }));
    console.table(
      memory.map((r) => ({
        backend: r.backend,
        'B/session': r.bytesPerSession?.toFixed(0) ?? '',
        status: r.status,
        notes: r.notes ?? '',
      })),
    );
  } catch (error) {
    memoryError = message(error);
    log(`ERROR in memory: ${memoryError}`);
  }
  extraSeconds.memory = (performance.now() - started) / 1000;
  log(`(memory: ${extraSeconds.memory.toFixed(1)} s)`);
}

const loadEnd = await loadAverage();
const totalSeconds = (performance.now() - t0) / 1000;
log(`\nload average at end: ${loadEnd.raw}; total ${totalSeconds.toFixed(0)} s`);

const report: RunReport = {
  quick,
  startedAt,
  totalSeconds,
  loadStart,
  loadEnd,
  machine,
  modules,
  extraSeconds,
  command: `npm run bench${quick ? ' -- --quick' : ''}`,
};
if (frameworks) report.frameworks = frameworks;
if (frameworksError) report.frameworksError = frameworksError;
if (httpCpu) report.httpCpu = httpCpu;
if (httpCpuError) report.httpCpuError = httpCpuError;
if (burst) report.burst = burst;
if (burstError) report.burstError = burstError;
if (codec) report.codec = codec;
if (codecError) report.codecError = codecError;
if (legacy) report.legacy = legacy;
if (legacyError) report.legacyError = legacyError;
if (scale) report.scale = scale;
if (scaleError) report.scaleError = scaleError;
if (memory) report.memory = memory;
if (memoryError) report.memoryError = memoryError;
if (commitlog) report.commitlog = commitlog;
if (commitlogError) report.commitlogError = commitlogError;
if (telemetry) report.telemetry = telemetry;
if (telemetryError) report.telemetryError = telemetryError;
if (copy) report.copy = copy;
if (copyError) report.copyError = copyError;

// The raw results, for re-rendering the page without measuring again: `--render=bench/.last-run.json`.
await writeFile(join(REPO, 'bench', '.last-run.json'), JSON.stringify(report, null, 1));

const SECTION_PARTS: readonly string[] = [
  'frameworks',
  'http-cpu',
  'burst',
  'codec',
  'legacy',
  'commitlog',
  'telemetry',
  'copy',
] satisfies SectionPart[];
if (writeDocs && only && only.length > 0 && only.every((part) => SECTION_PARTS.includes(part))) {
  // The framework benchmarks, the server CPU per request, the burst, the codec cost, the legacy option's cost, the
  // commit-log modes' cost and the instrumentation cost have sections of their own: replace them and keep the other parts' figures.
  const files = await writePartSections(report, only as SectionPart[]);
  log(`wrote the ${only.join(' and ')} section(s) of ${files.map((f) => relative(REPO, f)).join(', ')}`);
} else if (writeDocs) {
  const expected = MODULES.flatMap((m) => m.targets.map((target) => ({ module: m.name, target })));
  const files = await writeReport(report, expected);
  log(`wrote ${files.map((f) => relative(REPO, f)).join(', ')}`);
} else {
  log('(--only without --write: docs/benchmarks.md left unchanged)');
}
const targeted = [...modules.flatMap((m) => m.results), ...(scale?.results ?? [])].filter((r) => r.target);
const verdicts = [
  ...targeted.map((r) => r.met),
  ...frameworksVerdicts(frameworks),
  ...(httpCpu ? [httpCpu.target.met] : []),
  ...(burst ? [burst.target.met] : []),
  ...(codec ? [codec.target.met] : []),
  ...(legacy ? [legacy.target.met] : []),
  ...(telemetry ? telemetry.targets.map((t) => t.met) : []),
];
log(
  `${verdicts.filter(Boolean).length} of ${verdicts.length} targets met; ${modules.filter((m) => m.error).length} module error(s)`,
);
// Clients of abandoned modules may still hold sockets open: exit explicitly.
process.exit(
  strict &&
    (modules.some((m) => m.error) ||
      frameworksError ||
      httpCpuError ||
      burstError ||
      codecError ||
      legacyError ||
      commitlogError ||
      telemetryError ||
      copyError ||
      scaleError ||
      memoryError)
    ? 1
    : 0,
);
