/**
 * Whether anything would record what the wrappers measure, so that with no SDK they skip their work instead of
 * feeding the API's no-op instruments (a span, two clock reads and an extra promise per store call).
 *
 * @module
 */
import type { Meter, Span, TracerProvider } from '@opentelemetry/api';
import { createNoopMeter, INVALID_TRACEID, ProxyTracerProvider } from '@opentelemetry/api';
import { SCOPE } from './names.js';

const NOOP_METER_CLASS = createNoopMeter().constructor;

/**
 * Whether `meter` is the API's no-op meter (what `metrics.getMeterProvider()` hands out while no SDK is
 * registered). The metrics API has no proxy: instruments made from it stay no-ops even after an SDK is
 * registered, so this answer never changes for the instruments made from `meter`.
 */
export function isNoopMeter(meter: Meter): boolean {
  return meter instanceof NOOP_METER_CLASS;
}

/**
 * A check of whether spans from `provider` can record. The global provider is a proxy that gets an SDK behind it
 * when one is registered, at any time: until then every span it starts is a non-recording no-op, so the check
 * asks the proxy for its delegate on each call until it has one, and answers `true` from then on. Any other
 * provider (one passed in explicitly, or a proxy from another copy of the API package) is assumed to record.
 */
export function tracingCheck(provider: TracerProvider): () => boolean {
  if (!(provider instanceof ProxyTracerProvider)) return () => true;
  let recording = false;
  return () => {
    if (!recording) recording = provider.getDelegateTracer(SCOPE) !== undefined;
    return recording;
  };
}

/**
 * Whether `span` has a trace to propagate, so it is made the active span for the work it covers: every SDK span
 * (sampled or not: children must inherit its sampling decision) and the API's no-op span under a parent; not the
 * API's no-op span with no parent, which nothing would read. A string comparison instead of the API's
 * `isSpanContextValid`, whose hex validation of both IDs showed in the SDK path's profile.
 */
export function carriesContext(span: Span): boolean {
  return span.spanContext().traceId !== INVALID_TRACEID;
}
