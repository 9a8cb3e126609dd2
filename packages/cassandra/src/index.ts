/**
 * `@sessionkit/cassandra`: a SessionKit {@link SessionStore} on Apache Cassandra with cassandra-driver —
 * lightweight-transaction compare-and-set, TTL expiry filtered on read, tunable consistency per call, and a
 * per-user index table. What benchmarks and tests need beyond this (the CQL statements, the TTL rule, the
 * driver-error mapping, the defaults) is in `@sessionkit/cassandra/internal`, without a stability promise.
 *
 * @module
 */
export { CassandraSessionStore } from './cassandra-store.js';
export type { CassandraConsistencyOptions, CassandraSessionStoreOptions, ConsistencyLevel } from './options.js';
export type { CassandraScanOptions } from './scan.js';
export type { Replication, SchemaOptions } from './schema.js';
export { createSchema, schemaCql } from './schema.js';
