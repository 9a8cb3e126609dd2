/**
 * The OpenTelemetry SDK wired for tests: a meter provider read on demand, a tracer provider exporting to
 * memory, and helpers that find data points and spans by name and attributes.
 */
import type { Attributes } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll } from 'vitest';
import type { SessionTelemetryOptions } from '../src/index.js';
import { SessionTelemetry } from '../src/index.js';

/** A reader that exports nothing by itself: the test calls `collect()`. */
class OnDemandReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** One SDK setup and the telemetry that reports to it. */
export interface TestTelemetry {
  telemetry: SessionTelemetry;
  tracerProvider: TracerProvider;
  /** Every metric collected now. */
  metrics(): Promise<MetricData[]>;
  /** Every span ended so far. */
  spans(): ReadableSpan[];
}

/** A fresh SDK (meter and tracer providers, not registered globally) and a {@link SessionTelemetry} on it. */
export function testTelemetry(options: Omit<SessionTelemetryOptions, 'meterProvider' | 'tracerProvider'> = {}) {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const telemetry = new SessionTelemetry({ ...options, meterProvider, tracerProvider });
  return {
    telemetry,
    tracerProvider,
    async metrics() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    },
    spans: () => exporter.getFinishedSpans(),
  } satisfies TestTelemetry;
}

/** Whether `attributes` has every entry of `expected`. */
export function matches(attributes: Attributes, expected: Attributes): boolean {
  return Object.entries(expected).every(([name, value]) => attributes[name] === value);
}

/** The data points of metric `name` whose attributes include `expected`. */
export function points(metrics: MetricData[], name: string, expected: Attributes = {}): DataPoint<unknown>[] {
  const metric = metrics.find((m) => m.descriptor.name === name);
  return ((metric?.dataPoints ?? []) as DataPoint<unknown>[]).filter((point) => matches(point.attributes, expected));
}

/** The sum of a counter's (or gauge's) values over the points matching `expected`. */
export function total(metrics: MetricData[], name: string, expected: Attributes = {}): number {
  return points(metrics, name, expected).reduce((sum, point) => sum + (point.value as number), 0);
}

/** The number of measurements a histogram recorded over the points matching `expected`. */
export function count(metrics: MetricData[], name: string, expected: Attributes = {}): number {
  return points(metrics, name, expected).reduce((sum, point) => sum + (point.value as Histogram).count, 0);
}

/**
 * Every string reported anywhere: span names, span attribute values and status messages, and every metric
 * attribute value. The raw-ID check scans them all.
 */
export function everyReportedString(metrics: MetricData[], spans: ReadableSpan[]): string[] {
  const values: string[] = [];
  const add = (attributes: Attributes) => {
    for (const [name, value] of Object.entries(attributes)) values.push(name, String(value));
  };
  for (const span of spans) {
    values.push(span.name, span.status.message ?? '');
    add(span.attributes);
    for (const event of span.events) add(event.attributes ?? {});
  }
  for (const metric of metrics) for (const point of metric.dataPoints) add(point.attributes);
  return values;
}

/**
 * Registers the async-hooks context manager for the calling `describe` block (so spans nest across awaits, as
 * under an HTTP server's instrumentation) and removes it after.
 */
export function useAsyncHooksContext(): void {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
  });
  afterAll(() => {
    contextManager.disable();
    context.disable();
  });
}
