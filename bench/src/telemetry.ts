/**
 * What `@sessionkit/opentelemetry` costs (issue 23): the same work with the instrumentation off, with the API
 * only (no SDK: every instrument a no-op) and with the SDK on (a metric reader exporting every second, 10 % of
 * traces sampled), side by side in one run (`lib/telemetry-setup.ts` sets the three up).
 *
 * - Store rows, in this process: a read then a compare-and-set update of a 1 KiB session (`getAndUpdate`, the
 *   adapter benchmarks' operation) on MemoryStore (8 workers) and on RedisSessionStore against the test Redis
 *   (50 workers), the raw store against `instrumentStore(store)` under each mode. Every round measures the three
 *   back to back (order rotating, a garbage collection before each window); figures are medians over the rounds,
 *   ratios the medians of the per-round ratios to `off`. The SDK side's exporters are emptied after each window
 *   and their spans counted, so the report shows the SDK really sampled and exported. A fourth side in each round,
 *   the SDK-alone ceiling (`lib/sdk-floor-store.ts`: one bare span and one histogram record per call on the same
 *   SDK, no SessionKit code), shows the best ratio any instrumentation could reach on that SDK.
 * - HTTP row: the Express server of the HTTP benchmark with SessionKit on Redis (the store's defaults) under the
 *   90/10 read/write load, one child process per mode (the store, the manager and the HTTP outcomes instrumented
 *   as the docs wire them), plus Express alone as the ceiling; requests/s and server CPU µs per request from
 *   `/proc`, in alternating windows like `http-cpu.ts`.
 *
 * Targets: throughput cost <= 2 % with the API only and <= 10 % with the SDK on, on every row.
 *
 * Run: `npx tsx bench/src/telemetry.ts [--quick]`, or `npm run bench -- --only=telemetry [--write]`.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { generateSessionId, hashSessionId, MemoryStore, type SessionStore } from '@sessionkit/core';
import type { StoreServer } from '@sessionkit/opentelemetry';
import { RedisSessionStore } from '@sessionkit/redis';
import { endpoints } from '@sessionkit/test-servers';
import { cpuWindow } from './http-cpu.js';
import { closeSide, loadWindow, openSide, type Side, WRITE_SHARE } from './lib/http-sides.js';
import { measure, medianOf } from './lib/measure.js';
import { SdkFloorStore } from './lib/sdk-floor-store.js';
import { getAndUpdate } from './lib/store-operations.js';
import {
  type BenchTelemetry,
  benchTelemetry,
  SERVER_TELEMETRY_MODES,
  type ServerTelemetryMode,
  TELEMETRY_ENV,
  TELEMETRY_MODES,
  type TelemetryMode,
  TRACE_SAMPLE_RATIO,
} from './lib/telemetry-setup.js';

/** The cost targets: the least throughput ratio to `off` per mode. */
export const TELEMETRY_TARGETS = { api: 0.98, sdk: 0.9 } as const;

const PAYLOAD_BYTES = 1024;
const TTL_MS = 30 * 60_000;

/** One mode on one row. */
export interface TelemetryFigure {
  /** Median ops (or requests) per second over the rounds. */
  perSec: number;
  /** Median over the rounds of this mode's throughput / `off`'s in the same round (1 for `off`). */
  ratio: number;
  /** Each round's ratio. */
  ratios: number[];
  /**
   * Store rows: median over the rounds of `off`'s ops per CPU second / this mode's (the CPU each operation costs,
   * relative). HTTP row: of this mode's server CPU µs per request / `off`'s. 1 for `off`.
   */
  cpuRatio: number;
  /** Median CPU µs per operation: the process's for a store row, the server's per request for the HTTP row. */
  usPerRequest: number;
  /** `sdk` only: spans the SDK exported per operation (or request, where counted). */
  spansPerOp?: number;
}

/** One row: a store or the HTTP server, under the three modes. */
export interface TelemetryRow {
  name: string;
  /** How it was driven (workers or load). */
  load: string;
  figures: Record<TelemetryMode, TelemetryFigure>;
  /** HTTP row: Express alone, same routes, no session (the ceiling). */
  ceiling?: { perSec: number; usPerRequest: number };
  /**
   * Store rows: the SDK-alone ceiling (one bare span and one histogram record per store call on `sdk`'s SDK).
   * `ratio` is its throughput vs `off` (the best an instrumented store can reach on that SDK); `sdkRatio` is
   * `sdk`'s throughput vs it (what SessionKit's instrumentation adds beyond that least).
   */
  sdkFloor?: {
    perSec: number;
    usPerOp: number;
    ratio: number;
    ratios: number[];
    sdkRatio: number;
    sdkRatios: number[];
    spansPerOp: number;
  };
  /**
   * HTTP row: the SDK registered as in `sdk` but SessionKit not instrumented. `ratio` is its throughput vs `off`
   * (what the SDK costs by itself); `sdkRatio` is `sdk`'s throughput vs it (what SessionKit's instrumentation adds).
   */
  sdkUnwired?: { perSec: number; usPerRequest: number; ratio: number; sdkRatio: number; sdkRatios: number[] };
}

/** What {@link runTelemetryBench} reports. */
export interface TelemetryReport {
  rounds: number;
  /** Store windows, ms. */
  storeWindowMs: number;
  /** HTTP windows, s. */
  httpWindowSec: number;
  rows: TelemetryRow[];
  targets: { mode: 'api' | 'sdk'; label: string; worstRatio: number; met: boolean }[];
  /** The error of a first attempt that the runner retried. */
  retried?: string;
}

/** Where the test Redis is, for the store and for the spans' `server.address`/`server.port`. */
function redisServer(): { address: string; port: number } {
  const url = new URL(endpoints.redis.url);
  return { address: url.hostname, port: Number(url.port || 6379) };
}

/**
 * The store rows of one store: `off` (the raw store), `instrumentStore(store)` under each other mode, and the
 * SDK-alone ceiling on `sdk`'s SDK, over one key per worker, in rotating rounds.
 */
async function storeRow(
  name: string,
  store: SessionStore,
  server: StoreServer | undefined,
  setups: Record<TelemetryMode, BenchTelemetry>,
  opts: { workers: number; windowMs: number; rounds: number },
): Promise<TelemetryRow> {
  const providers = setups.sdk.providers;
  if (!providers) throw new Error('the sdk setup has no providers');
  type StoreSide = TelemetryMode | 'sdk-floor';
  const sideNames: readonly StoreSide[] = [...TELEMETRY_MODES, 'sdk-floor'];
  const sides: Record<StoreSide, SessionStore> = {
    ...(Object.fromEntries(
      TELEMETRY_MODES.map((mode) => [mode, setups[mode].telemetry?.instrumentStore(store, server) ?? store]),
    ) as Record<TelemetryMode, SessionStore>),
    'sdk-floor': new SdkFloorStore(store, providers),
  };
  const keys = Array.from({ length: opts.workers }, () => hashSessionId(generateSessionId()));
  const data = new Uint8Array(randomBytes(PAYLOAD_BYTES));
  for (const key of keys) await store.create(key, { data, version: 1, expiresAt: Date.now() + TTL_MS });
  const perSec = new Map<StoreSide, number[]>(sideNames.map((m) => [m, []]));
  const perCpuSec = new Map<StoreSide, number[]>(sideNames.map((m) => [m, []]));
  // Both SDK sides export to the same in-memory exporter: spans and operations counted per side.
  const exported = new Map<StoreSide, { ops: number; spans: number }>(sideNames.map((m) => [m, { ops: 0, spans: 0 }]));
  try {
    for (let round = 0; round < opts.rounds; round++) {
      for (let k = 0; k < sideNames.length; k++) {
        const name = sideNames[(k + round) % sideNames.length]!;
        const setup = setups[name === 'sdk-floor' ? 'sdk' : name];
        (globalThis as { gc?: () => void }).gc?.();
        setup.drain();
        const m = await measure((worker) => getAndUpdate(sides[name], keys[worker]!, data, TTL_MS), {
          durationMs: opts.windowMs,
          warmupMs: 200,
          concurrency: opts.workers,
        });
        // The batch processor exports every 5 s and at shutdown: flush so this window's spans are counted.
        await setup.flush();
        const counted = exported.get(name)!;
        counted.spans += setup.drain().spans;
        counted.ops += m.ops;
        perSec.get(name)!.push(m.opsPerSec);
        perCpuSec.get(name)!.push(m.opsPerCpuSec);
      }
    }
  } finally {
    for (const key of keys) await store.delete(key);
  }
  const off = perSec.get('off')!;
  const spansPerOp = (name: StoreSide) => exported.get(name)!.spans / exported.get(name)!.ops;
  const figure = (mode: TelemetryMode): TelemetryFigure => {
    const own = perSec.get(mode)!;
    const ratios = own.map((v, i) => v / off[i]!);
    return {
      perSec: medianOf(own),
      ratio: medianOf(ratios),
      ratios,
      cpuRatio: medianOf(perCpuSec.get(mode)!.map((v, i) => perCpuSec.get('off')![i]! / v)),
      usPerRequest: 1e6 / medianOf(perCpuSec.get(mode)!),
      ...(mode === 'sdk' ? { spansPerOp: spansPerOp('sdk') } : {}),
    };
  };
  const floor = perSec.get('sdk-floor')!;
  const sdkRatios = perSec.get('sdk')!.map((v, i) => v / floor[i]!);
  return {
    name,
    load: `${opts.workers} workers, get + compare-and-set update of a ${PAYLOAD_BYTES} B session`,
    figures: Object.fromEntries(TELEMETRY_MODES.map((m) => [m, figure(m)])) as Record<TelemetryMode, TelemetryFigure>,
    sdkFloor: {
      perSec: medianOf(floor),
      usPerOp: 1e6 / medianOf(perCpuSec.get('sdk-floor')!),
      ratio: medianOf(floor.map((v, i) => v / off[i]!)),
      ratios: floor.map((v, i) => v / off[i]!),
      sdkRatio: medianOf(sdkRatios),
      sdkRatios,
      spansPerOp: spansPerOp('sdk-floor'),
    },
  };
}

/** The HTTP row: one Express + SessionKit server child per mode, and Express alone, in alternating windows. */
async function httpRow(opts: { windowSec: number; rounds: number }): Promise<TelemetryRow> {
  const sides: { mode: ServerTelemetryMode | 'bare'; side: Side }[] = [];
  try {
    for (const mode of SERVER_TELEMETRY_MODES) {
      sides.push({ mode, side: await openSide('express', 'sessionkit', [], { [TELEMETRY_ENV]: mode }) });
    }
    sides.push({ mode: 'bare', side: await openSide('express', 'bare') });
    for (const { side } of sides) await loadWindow(side, 1, WRITE_SHARE); // warm-up
    const windows = new Map<string, { us: number; rps: number }[]>(sides.map((s) => [s.mode, []]));
    for (let round = 0; round < opts.rounds; round++) {
      for (let k = 0; k < sides.length; k++) {
        const { mode, side } = sides[(k + round) % sides.length]!;
        windows.get(mode)!.push(await cpuWindow(side, opts.windowSec, WRITE_SHARE));
      }
    }
    const off = windows.get('off')!;
    const figure = (mode: TelemetryMode): TelemetryFigure => {
      const own = windows.get(mode)!;
      const ratios = own.map((w, i) => w.rps / off[i]!.rps);
      return {
        perSec: medianOf(own.map((w) => w.rps)),
        ratio: medianOf(ratios),
        ratios,
        cpuRatio: medianOf(own.map((w, i) => w.us / off[i]!.us)),
        usPerRequest: medianOf(own.map((w) => w.us)),
      };
    };
    const bare = windows.get('bare')!;
    const unwired = windows.get('sdk-unwired')!;
    const sdkRatios = windows.get('sdk')!.map((w, i) => w.rps / unwired[i]!.rps);
    return {
      name: 'Express + @sessionkit/http + RedisSessionStore (defaults)',
      load: `autocannon, 32 connections, 200 sessions, ${Math.round(WRITE_SHARE * 100)} % writes`,
      figures: Object.fromEntries(TELEMETRY_MODES.map((m) => [m, figure(m)])) as Record<TelemetryMode, TelemetryFigure>,
      ceiling: { perSec: medianOf(bare.map((w) => w.rps)), usPerRequest: medianOf(bare.map((w) => w.us)) },
      sdkUnwired: {
        perSec: medianOf(unwired.map((w) => w.rps)),
        usPerRequest: medianOf(unwired.map((w) => w.us)),
        ratio: medianOf(unwired.map((w, i) => w.rps / off[i]!.rps)),
        sdkRatio: medianOf(sdkRatios),
        sdkRatios,
      },
    };
  } finally {
    for (const { side } of sides) await closeSide(side);
  }
}

/** Runs the store rows (MemoryStore, Redis) and the HTTP row; needs the test Redis. */
export async function runTelemetryBench(opts: {
  quick: boolean;
  log?: (line: string) => void;
}): Promise<TelemetryReport> {
  const rounds = opts.quick ? 3 : 7;
  const storeWindowMs = opts.quick ? 700 : 1500;
  const httpWindowSec = opts.quick ? 2 : 3;
  const setups = Object.fromEntries(
    TELEMETRY_MODES.map((mode) => [mode, benchTelemetry(mode, { registerContextManager: false })]),
  ) as Record<TelemetryMode, BenchTelemetry>;
  const rows: TelemetryRow[] = [];
  try {
    opts.log?.(`store rows: ${rounds} rounds of ${storeWindowMs} ms per mode`);
    rows.push(
      await storeRow('MemoryStore', new MemoryStore(), undefined, setups, {
        workers: 8,
        windowMs: storeWindowMs,
        rounds,
      }),
    );
    const server = redisServer();
    const redis = new RedisSessionStore({
      connection: { host: server.address, port: server.port },
      keyPrefix: `bench-telemetry-${randomBytes(4).toString('hex')}:`,
    });
    try {
      rows.push(
        await storeRow('RedisSessionStore', redis, server, setups, { workers: 50, windowMs: storeWindowMs, rounds }),
      );
    } finally {
      await redis.close();
    }
  } finally {
    for (const setup of Object.values(setups)) await setup.shutdown();
  }
  opts.log?.(`HTTP row: ${rounds} rounds of ${httpWindowSec} s per server`);
  rows.push(await httpRow({ windowSec: httpWindowSec, rounds }));
  const targets = (['api', 'sdk'] as const).map((mode) => {
    const worstRatio = Math.min(...rows.map((row) => row.figures[mode].ratio));
    const least = TELEMETRY_TARGETS[mode];
    const cost = `${Math.round((1 - least) * 100)} %`;
    return {
      mode,
      label:
        mode === 'api'
          ? `throughput cost with @opentelemetry/api only (no SDK) <= ${cost} on every row`
          : `throughput cost with the SDK on (metric reader, ${TRACE_SAMPLE_RATIO * 100} % of traces sampled) <= ${cost} on every row`,
      worstRatio,
      met: worstRatio >= least,
    };
  });
  return { rounds, storeWindowMs, httpWindowSec, rows, targets };
}

/** Prints one line per row and mode. */
export function printTelemetryReport(report: TelemetryReport): void {
  console.table(
    report.rows.flatMap((row) => [
      ...TELEMETRY_MODES.map((mode) => {
        const f = row.figures[mode];
        return {
          row: row.name,
          mode,
          'per s': Math.round(f.perSec),
          'vs off': `${f.ratio.toFixed(3)}x`,
          'CPU vs off': `${f.cpuRatio.toFixed(3)}x`,
          'µs CPU / op': f.usPerRequest.toFixed(1),
          'spans / op': f.spansPerOp?.toFixed(3) ?? '',
          'per-round ratios': f.ratios.map((r) => r.toFixed(3)).join(' '),
        };
      }),
      ...(row.sdkFloor
        ? [
            {
              row: row.name,
              mode: 'ceiling: SDK alone (one bare span + one histogram record per call)',
              'per s': Math.round(row.sdkFloor.perSec),
              'vs off': `${row.sdkFloor.ratio.toFixed(3)}x`,
              'CPU vs off': '',
              'µs CPU / op': row.sdkFloor.usPerOp.toFixed(1),
              'spans / op': row.sdkFloor.spansPerOp.toFixed(3),
              'per-round ratios': `${row.sdkFloor.ratios.map((r) => r.toFixed(3)).join(' ')}; sdk vs this: ${row.sdkFloor.sdkRatios.map((r) => r.toFixed(3)).join(' ')}`,
            },
          ]
        : []),
      ...(row.sdkUnwired
        ? [
            {
              row: row.name,
              mode: 'SDK registered, SessionKit not instrumented',
              'per s': Math.round(row.sdkUnwired.perSec),
              'vs off': `${row.sdkUnwired.ratio.toFixed(3)}x`,
              'CPU vs off': '',
              'µs CPU / op': row.sdkUnwired.usPerRequest.toFixed(1),
              'spans / op': '',
              'per-round ratios': `sdk vs this: ${row.sdkUnwired.sdkRatios.map((r) => r.toFixed(3)).join(' ')}`,
            },
          ]
        : []),
      ...(row.ceiling
        ? [
            {
              row: row.name,
              mode: 'ceiling: Express alone',
              'per s': Math.round(row.ceiling.perSec),
              'vs off': '',
              'CPU vs off': '',
              'µs CPU / op': row.ceiling.usPerRequest.toFixed(1),
              'spans / op': '',
              'per-round ratios': '',
            },
          ]
        : []),
    ]),
  );
  for (const t of report.targets)
    console.log(`${t.label}: ${t.met ? 'met' : 'NOT met'} (worst ${t.worstRatio.toFixed(3)}x)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTelemetryReport(await runTelemetryBench({ quick: process.argv.includes('--quick'), log: console.log }));
  process.exit(0);
}
