/**
 * `@sessionkit/hazelcast`: a SessionKit {@link SessionStore} on a Hazelcast IMap (hazelcast-client 5.x).
 * Internals for benchmarks and tests (record codec, TTL, defaults...) are in `@sessionkit/hazelcast/internal`.
 *
 * @packageDocumentation
 */
export { HazelcastSessionStore } from './hazelcast-store.js';
export type { HazelcastNearCacheOptions, HazelcastSessionStoreOptions } from './options.js';
