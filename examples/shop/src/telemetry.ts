/**
 * The shop's OpenTelemetry metrics: an SDK `MeterProvider` whose only reader is a Prometheus exporter. The
 * exporter runs no server of its own; the shop serves its text at `GET /metrics` (see routes/operator.ts).
 *
 * @module
 */
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Request, Response } from 'express';

/** A meter provider and the Prometheus exporter that reads it. */
export class ShopTelemetry {
  /** Pass it to instrumentation, or register it globally with {@link ShopTelemetry.registerGlobal}. */
  readonly meterProvider: MeterProvider;
  readonly #exporter: PrometheusExporter;

  constructor() {
    this.#exporter = new PrometheusExporter({ preventServerStart: true });
    this.meterProvider = new MeterProvider({ readers: [this.#exporter] });
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
