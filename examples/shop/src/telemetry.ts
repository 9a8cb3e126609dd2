/**
 * The shop's OpenTelemetry metrics: an SDK `MeterProvider` whose only reader is a Prometheus exporter, and
 * `@sessionkit/opentelemetry` reporting the store, the session manager and the HTTP binding to it. The exporter
 * runs no server of its own; the shop serves its text at `GET /metrics` (see routes/operator.ts).
 *
 * @module
 */
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { SessionManager, SessionStore } from '@sessionkit/core';
import type { HttpOutcome } from '@sessionkit/http';
import { SessionTelemetry } from '@sessionkit/opentelemetry';
import type { StoreSpec } from '@sessionkit/store-url';
import { storeServer } from '@sessionkit/store-url';
import type { TieredStore } from '@sessionkit/tiered';
import type { Request, Response } from 'express';

/** A meter provider, the Prometheus exporter that reads it, and SessionKit's instrumentation reporting to it. */
export class ShopTelemetry {
  /** Where the metrics go; {@link ShopTelemetry.registerGlobal} makes it the process's global provider. */
  readonly meterProvider: MeterProvider;
  /** The `onOutcome` option of the session middleware: counts `sessionkit.http.requests` by outcome. */
  readonly onOutcome: (outcome: HttpOutcome) => void;
  readonly #exporter: PrometheusExporter;
  readonly #sessions: SessionTelemetry;

  constructor() {
    this.#exporter = new PrometheusExporter({ preventServerStart: true });
    this.meterProvider = new MeterProvider({ readers: [this.#exporter] });
    this.#sessions = new SessionTelemetry({ meterProvider: this.meterProvider });
    this.onOutcome = this.#sessions.httpOutcomes();
  }

  /**
   * Wraps the store opened for `spec` so each call is measured (duration by operation and outcome, payload
   * sizes), and reports a tiered store's cache hits, misses and breaker state. Give the wrapper to the manager.
   */
  instrumentStore(store: SessionStore, spec: StoreSpec): SessionStore {
    if (spec.kind === 'tiered') this.#sessions.observeStore(store as TieredStore);
    return this.#sessions.instrumentStore(store, storeServer(spec));
  }

  /** Counts the manager's lifecycle events, conflicts, compare-and-set retries and touches. */
  observeManager(manager: SessionManager): void {
    this.#sessions.observeManager(manager);
  }

  /**
   * Makes this the process's global meter provider, so any instrumentation using `@opentelemetry/api` reports to
   * `/metrics`. Returns `false` if another one was registered first (it stays).
   */
  registerGlobal(): boolean {
    return metrics.setGlobalMeterProvider(this.meterProvider);
  }

  /** Serves the current metrics in the Prometheus text format (an Express handler). */
  readonly serveMetrics = (req: Request, res: Response): void => {
    res.set('Cache-Control', 'no-store');
    this.#exporter.getMetricsRequestHandler(req, res);
  };

  /** Stops the provider (a last collection, then no more recording). */
  shutdown(): Promise<void> {
    return this.meterProvider.shutdown();
  }
}
