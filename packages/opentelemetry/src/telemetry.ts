/**
 * {@link SessionTelemetry}: the one entry point that wires SessionKit to OpenTelemetry.
 *
 * @module
 */
import type { Attributes, Counter, MeterProvider, TracerProvider } from '@opentelemetry/api';
import { metrics, trace } from '@opentelemetry/api';
import type { OperationTracer, SessionManager, SessionStore } from '@sessionkit/core';
import { ConfigurationError } from '@sessionkit/core';
import type { ObservableCacheSource } from './cache-metrics.js';
import { CacheMetrics } from './cache-metrics.js';
import { dbSystem } from './db-system.js';
import type { StoreInstruments, StoreServer } from './instrumented-store.js';
import { InstrumentedStore } from './instrumented-store.js';
import { ManagerCounters, observeManagerEvents } from './manager-metrics.js';
import { ManagerSpans } from './manager-tracer.js';
import { ATTR, METRICS, SCOPE } from './names.js';
import { isNoopMeter, tracingCheck } from './recording.js';

/** Options of {@link SessionTelemetry}. */
export interface SessionTelemetryOptions {
  /** Where metrics go. Default: the global provider (`metrics.getMeterProvider()`), a no-op until an SDK is registered. */
  meterProvider?: MeterProvider;
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`), a no-op until an SDK is registered. */
  tracerProvider?: TracerProvider;
  /**
   * Characters of the hashed store key (SHA-256, base64url: never a usable token) to put in each store span as
   * `sessionkit.store.key_prefix`, to follow one session across spans. Default 0: none. Raw session IDs are never
   * reported, whatever this says.
   */
  hashedKeyPrefix?: number;
}

/** Bucket boundaries of the store duration histogram, in seconds: 0.25 ms to 5 s. */
const DURATION_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Bucket boundaries of the payload size histogram, in bytes: 128 B to 1 MiB. */
const PAYLOAD_BUCKETS = [128, 256, 512, 1024, 2048, 4096, 8192, 16_384, 65_536, 262_144, 1_048_576];

/**
 * OpenTelemetry metrics and traces for SessionKit stores, managers and HTTP bindings. Make one per process and
 * hand it what to observe; with no SDK registered every instrument is a no-op, at near-zero cost.
 *
 * @example
 * ```ts
 * const telemetry = new SessionTelemetry();
 * const store = telemetry.instrumentStore(new RedisSessionStore({ ... }), { address: 'redis.internal', port: 6379 });
 * const manager = new SessionManager({ store, idleTimeout, absoluteTimeout });
 * telemetry.observeManager(manager); // and, for manager spans, `tracer: telemetry.managerTracer()` above
 * app.use(sessionMiddleware({ manager, secrets, onOutcome: telemetry.httpOutcomes() }));
 * ```
 */
export class SessionTelemetry {
  readonly #store: StoreInstruments;
  readonly #manager: ManagerCounters;
  readonly #cache: CacheMetrics;
  readonly #httpRequests: Counter;
  /** No SDK behind the meter: every instrument is a no-op for good, so nothing is subscribed or measured. */
  readonly #metricsOff: boolean;
  readonly #tracing: () => boolean;

  /** Throws {@link ConfigurationError} when `hashedKeyPrefix` is not a non-negative integer. */
  constructor(options: SessionTelemetryOptions = {}) {
    const hashedKeyPrefix = options.hashedKeyPrefix ?? 0;
    if (!Number.isSafeInteger(hashedKeyPrefix) || hashedKeyPrefix < 0) {
      throw new ConfigurationError('hashedKeyPrefix must be a non-negative integer');
    }
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
    const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
    const metricsOff = isNoopMeter(meter);
    const tracing = tracingCheck(tracerProvider);
    this.#metricsOff = metricsOff;
    this.#tracing = tracing;
    this.#store = {
      tracer: tracerProvider.getTracer(SCOPE),
      recording: metricsOff ? tracing : () => true,
      duration: meter.createHistogram(METRICS.storeDuration, {
        description: 'Duration of session store operations',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      }),
      payloadSize: meter.createHistogram(METRICS.payloadSize, {
        description: 'Size of the session records written',
        unit: 'By',
        advice: { explicitBucketBoundaries: PAYLOAD_BUCKETS },
      }),
      hashedKeyPrefix,
    };
    this.#manager = new ManagerCounters(meter);
    this.#cache = new CacheMetrics(meter);
    this.#httpRequests = meter.createCounter(METRICS.httpRequests, {
      description: 'Session outcomes of HTTP requests: token classification on load, and 403/409/503 answers',
    });
  }

  /**
   * Wraps `store` so every call is a CLIENT span (nested under the active span) and a duration measurement by
   * operation and outcome, and every write records its payload size. The wrapper keeps the store's name and
   * capabilities, delegates every method (including `scan` when the store has it) and rethrows failures
   * unchanged. `server` fills `server.address`/`server.port` and may override `db.system`. Pass the wrapper to
   * the `SessionManager`.
   */
  instrumentStore(store: SessionStore, server?: StoreServer): SessionStore {
    return new InstrumentedStore(store, this.#store, server?.system ?? dbSystem(store.name), server);
  }

  /**
   * The manager's `tracer` option: each `load`, `commit` and `regenerate` becomes an INTERNAL span
   * (`sessionkit.load`, `sessionkit.commit` with `sessionkit.commit.status`, `sessionkit.regenerate`) under the
   * active span, with the operation's store spans nested under it:
   * `new SessionManager({ store, ..., tracer: telemetry.managerTracer() })`.
   */
  managerTracer(): OperationTracer {
    return new ManagerSpans(this.#store.tracer, this.#tracing);
  }

  /**
   * Counts `manager`'s lifecycle events (`sessionkit.session.lifecycle`), conflicts by resolution, compare-and-set
   * retries and touch decisions. Returns a function that stops counting.
   */
  observeManager(manager: SessionManager): () => void {
    if (this.#metricsOff) return () => {};
    return observeManagerEvents(manager, this.#manager);
  }

  /**
   * Reports the cache statistics a store keeps, read at each metric collection: a Redis store's near cache, a
   * `TieredStore`'s cache hits, misses and breaker state, or a `NearCache`. Pass the store itself, not the
   * {@link instrumentStore} wrapper. Throws {@link ConfigurationError} for a store that keeps no such statistics.
   * Returns a function that stops reporting it.
   */
  observeStore(store: ObservableCacheSource): () => void {
    return this.#cache.observe(store);
  }

  /**
   * A listener for the HTTP bindings' `onOutcome` option: counts each outcome as `sessionkit.http.requests`
   * with attribute `sessionkit.http.outcome`.
   */
  httpOutcomes(): (outcome: string) => void {
    const counter = this.#httpRequests;
    const sets = new Map<string, Attributes>();
    return (outcome) => {
      let attributes = sets.get(outcome);
      if (attributes === undefined) {
        attributes = Object.freeze({ [ATTR.httpOutcome]: outcome });
        sets.set(outcome, attributes);
      }
      counter.add(1, attributes);
    };
  }
}
