/**
 * `@sessionkit/cassandra`: a SessionKit {@link SessionStore} on Apache Cassandra with cassandra-driver —
 * lightweight-transaction compare-and-set, TTL expiry filtered on read, tunable consistency per call, and a
 * per-user index table.
 *
 * @module
 */
export { CassandraSessionStore } from './cassandra-store.js';
export { MAX_TTL_SECONDS, ttlSeconds } from './ttl.js';
export type { CassandraSessionStoreOptions, CassandraConsistencyOptions, ConsistencyLevel } from './options.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_OPERATION_TIMEOUT_MS } from './options.js';
export { createSchema, schemaCql } from './schema.js';
export type { Replication, SchemaOptions } from './schema.js';
export { mapDriverError, isAmbiguousLwtError, isCasWriteTimeout } from './errors.js';
export { buildStatements } from './statements.js';
export type { Statements } from './statements.js';
