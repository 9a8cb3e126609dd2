/**
 * The three telemetry settings the instrumentation-cost benchmark (`src/telemetry.ts`) compares, set up the same
 * way for the in-process store rows and for the HTTP server child processes (`server-setup.ts`):
 *
 * - `off`: no `@sessionkit/opentelemetry` at all (the store and manager as an app without it has them);
 * - `api`: the store wrapped by `instrumentStore`, the manager observed and traced, the HTTP outcomes counted,
 *   with `@opentelemetry/api` only, no SDK registered: every instrument is the API's no-op;
 * - `sdk`: the same wiring on the OpenTelemetry SDK as a production app runs it: a `MeterProvider` whose
 *   `PeriodicExportingMetricReader` exports every second, a `TracerProvider` sampling 10 % of root traces
 *   (`ParentBased(TraceIdRatioBased(0.1))`) into a `BatchSpanProcessor`, and the async-hooks context manager
 *   (so manager and store spans nest). The exporters keep what they receive in memory and are emptied by
 *   {@link BenchTelemetry.drain}: the benchmark pays for producing and batching the telemetry, not for a network
 *   exporter's I/O, which belongs to the collector an app sends it to.
 *
 * @module
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { SessionTelemetry } from '@sessionkit/opentelemetry';

/** Which telemetry a benchmark side runs with (see the module notes). */
export type TelemetryMode = 'off' | 'api' | 'sdk';

/** The telemetry modes, in the order the benchmark measures them. */
export const TELEMETRY_MODES: readonly TelemetryMode[] = ['off', 'api', 'sdk'];

/**
 * A benchmark server's telemetry setting: a {@link TelemetryMode}, or `sdk-unwired`: the SDK registered exactly as in
 * `sdk` (context manager included) with SessionKit not instrumented, so what the SDK costs an app by itself is
 * measured apart from what SessionKit's instrumentation adds on top.
 */
export type ServerTelemetryMode = TelemetryMode | 'sdk-unwired';

/** Every {@link ServerTelemetryMode}. */
export const SERVER_TELEMETRY_MODES: readonly ServerTelemetryMode[] = [...TELEMETRY_MODES, 'sdk-unwired'];

/** The share of root traces the `sdk` mode samples. */
export const TRACE_SAMPLE_RATIO = 0.1;

/** How often the `sdk` mode's metric reader exports, ms. */
export const METRIC_EXPORT_INTERVAL_MS = 1000;

/** The environment variable that tells an HTTP server child process its {@link TelemetryMode}. */
export const TELEMETRY_ENV = 'SESSIONKIT_BENCH_TELEMETRY';

/** One mode's setup. */
export interface BenchTelemetry {
  mode: TelemetryMode;
  /** The instrumentation to wire (absent in `off`). */
  telemetry?: SessionTelemetry;
  /** `sdk` only: the SDK's providers, for the SDK-alone ceiling (`sdk-floor-store.ts`). */
  providers?: { meterProvider: MeterProvider; tracerProvider: TracerProvider };
  /** Hands the spans the batch processor still holds to its exporter (a no-op in `off` and `api`). */
  flush(): Promise<void>;
  /** Empties the in-memory exporters; returns the spans and metric exports they held. */
  drain(): { spans: number; metricExports: number };
  /** Flushes and shuts the SDK down and unregisters the context manager (a no-op in `off` and `api`). */
  shutdown(): Promise<void>;
}

/**
 * Sets up `mode` (see the module notes). `registerContextManager: false` leaves the global context manager
 * alone in `sdk` mode: for the store rows, whose calls have no parent span and which share one process with
 * the `off` and `api` sides.
 */
export function benchTelemetry(mode: TelemetryMode, { registerContextManager = true } = {}): BenchTelemetry {
  const nothing = { drain: () => ({ spans: 0, metricExports: 0 }), flush: async () => {}, shutdown: async () => {} };
  if (mode === 'off') return { mode, ...nothing };
  if (mode === 'api') {
    // No SDK registered in the benchmark's processes: the global providers are the API's no-op ones.
    return { mode, telemetry: new SessionTelemetry(), ...nothing };
  }
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS }),
    ],
  });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(TRACE_SAMPLE_RATIO) }),
    spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter })],
  });
  if (registerContextManager) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    mode,
    telemetry: new SessionTelemetry({ meterProvider, tracerProvider }),
    providers: { meterProvider, tracerProvider },
    flush: () => tracerProvider.forceFlush(),
    drain() {
      const drained = {
        spans: spanExporter.getFinishedSpans().length,
        metricExports: metricExporter.getMetrics().length,
      };
      spanExporter.reset();
      metricExporter.reset();
      return drained;
    },
    async shutdown() {
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
      if (registerContextManager) context.disable();
    },
  };
}
