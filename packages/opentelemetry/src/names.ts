/**
 * The names of every metric, attribute and span attribute SessionKit reports, following OpenTelemetry's
 * naming rules (dot-separated, lower case, unit in the instrument's `unit`, not in its name). One table in
 * docs/observability.md lists them with their values.
 *
 * @module
 */

/** Metric names. */
export const METRICS = {
  /** Histogram, seconds: one store call. Attributes `db.system`, `db.operation.name`, `sessionkit.outcome`. */
  storeDuration: 'sessionkit.store.operation.duration',
  /** Histogram, bytes: the record written by a `create` or `update`. Attributes `db.system`, `db.operation.name`. */
  payloadSize: 'sessionkit.store.payload.size',
  /** Counter: commits that met a concurrent change. Attribute `sessionkit.conflict.resolution`. */
  conflicts: 'sessionkit.session.conflicts',
  /** Counter: compare-and-set attempts beyond the first. Attribute `sessionkit.operation` (commit, update). */
  commitRetries: 'sessionkit.session.commit.retries',
  /** Counter: lifecycle events. Attribute `sessionkit.event`. */
  lifecycle: 'sessionkit.session.lifecycle',
  /** Counter: touch decisions of commits of unchanged sessions. Attribute `sessionkit.touch`. */
  touches: 'sessionkit.session.touches',
  /** Observable counter: cache lookups. Attributes `sessionkit.store`, `sessionkit.cache`, `sessionkit.result`. */
  cacheLookups: 'sessionkit.cache.lookups',
  /** Observable counter: near-cache invalidations. Attributes `sessionkit.store`, `sessionkit.cache`. */
  cacheInvalidations: 'sessionkit.cache.invalidations',
  /** Observable gauge: the tiered store's circuit breaker, 0 closed, 1 open, 2 half-open. */
  breakerState: 'sessionkit.tiered.breaker.state',
  /** Counter: HTTP outcomes. Attribute `sessionkit.http.outcome`. */
  httpRequests: 'sessionkit.http.requests',
} as const;

/** Attribute names (the `db.*`, `server.*` and `error.type` ones are OpenTelemetry semantic conventions). */
export const ATTR = {
  dbSystem: 'db.system',
  dbOperation: 'db.operation.name',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  outcome: 'sessionkit.outcome',
  keyPrefix: 'sessionkit.store.key_prefix',
  commitStatus: 'sessionkit.commit.status',
  store: 'sessionkit.store',
  resolution: 'sessionkit.conflict.resolution',
  operation: 'sessionkit.operation',
  event: 'sessionkit.event',
  touch: 'sessionkit.touch',
  cache: 'sessionkit.cache',
  result: 'sessionkit.result',
  httpOutcome: 'sessionkit.http.outcome',
} as const;

/** The instrumentation scope name of the meter and tracer. */
export const SCOPE = '@sessionkit/opentelemetry';
