/**
 * `@sessionkit/opentelemetry`: OpenTelemetry metrics and traces for SessionKit stores, session managers and
 * HTTP bindings, through `@opentelemetry/api` only (no SDK registered: every instrument is a no-op). Never a raw
 * session ID in any attribute. See {@link SessionTelemetry}; the names are in {@link METRICS} and {@link ATTR}.
 *
 * @module
 */

export type { ObservableCacheSource, TieredStatsLike } from './cache-metrics.js';
export { dbSystem } from './db-system.js';
export type { StoreServer } from './instrumented-store.js';
export { ATTR, METRICS, SCOPE } from './names.js';
export type { StoreOutcome } from './outcome.js';
export type { SessionTelemetryOptions } from './telemetry.js';
export { SessionTelemetry } from './telemetry.js';
