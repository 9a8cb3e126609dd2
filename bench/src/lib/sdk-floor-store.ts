/**
 * The SDK-alone ceiling of the instrumentation-cost benchmark (`src/telemetry.ts`): a store wrapper doing the
 * least any OpenTelemetry instrumentation of a store call does with the SDK on, and nothing of
 * `@sessionkit/opentelemetry`: per call, one span started (and sampled by the provider's sampler) and ended, and
 * one histogram record of the duration under one fixed attribute set. No context is made active, no outcome is
 * classified, no payload size is recorded. What this wrapper costs against the raw store is the best throughput
 * ratio an instrumented store can reach on that SDK, so a target above it cannot be met by any instrumentation.
 *
 * @module
 */
import type { Attributes, Histogram, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import type { ReadOptions, SessionStore, StoreCapabilities, StoredSession, UserSessionEntry } from '@sessionkit/core';

/** The fixed attribute set of every span and record: the backend's `db.system` only. */
const ATTRIBUTES: Attributes = Object.freeze({ 'db.system': 'bench' });

/** A {@link SessionStore} that reports each call as one bare span and one histogram record (see the module notes). */
export class SdkFloorStore implements SessionStore {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly #inner: SessionStore;
  readonly #tracer: Tracer;
  readonly #duration: Histogram;

  constructor(inner: SessionStore, providers: { meterProvider: MeterProvider; tracerProvider: TracerProvider }) {
    this.#inner = inner;
    this.name = inner.name;
    this.capabilities = inner.capabilities;
    this.#tracer = providers.tracerProvider.getTracer('bench-sdk-floor');
    this.#duration = providers.meterProvider.getMeter('bench-sdk-floor').createHistogram('bench.store.duration');
  }

  get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    return this.#spanned('get', () => this.#inner.get(key, options));
  }

  create(key: string, session: StoredSession): Promise<boolean> {
    return this.#spanned('create', () => this.#inner.create(key, session));
  }

  update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    return this.#spanned('update', () => this.#inner.update(key, session, expectedVersion));
  }

  touch(key: string, expiresAt: number): Promise<boolean> {
    return this.#spanned('touch', () => this.#inner.touch(key, expiresAt));
  }

  delete(key: string): Promise<boolean> {
    return this.#spanned('delete', () => this.#inner.delete(key));
  }

  listByUser(userId: string): Promise<UserSessionEntry[]> {
    return this.#spanned('listByUser', () => this.#inner.listByUser(userId));
  }

  deleteByUser(userId: string): Promise<number> {
    return this.#spanned('deleteByUser', () => this.#inner.deleteByUser(userId));
  }

  /** Leaves the wrapped store open: the benchmark closes it. */
  async close(): Promise<void> {}

  async #spanned<R>(name: string, call: () => Promise<R>): Promise<R> {
    const span = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: ATTRIBUTES });
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.#duration.record((performance.now() - started) / 1000, ATTRIBUTES);
      span.end();
    }
  }
}
