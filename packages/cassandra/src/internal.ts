/**
 * `@sessionkit/cassandra/internal`: what benchmarks and tests need from the adapter beyond its public surface,
 * so they send exactly the adapter's statements with exactly its TTLs and classify errors as it does. No
 * stability promise: this changes whenever the adapter does.
 *
 * @module
 */
export { isAmbiguousLwtError, isCasWriteTimeout, toCassandraError } from './errors.js';
export { DEFAULT_MAX_CAS_ATTEMPTS, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_OPERATION_TIMEOUT_MS } from './options.js';
export type { Statements } from './statements.js';
export { buildStatements } from './statements.js';
export { MAX_TTL_SECONDS, usingTtl } from './ttl.js';
