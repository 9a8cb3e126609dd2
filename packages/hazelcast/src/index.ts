/**
 * `@sessionkit/hazelcast`: a SessionKit {@link SessionStore} on a Hazelcast IMap (hazelcast-client 5.x).
 *
 * @packageDocumentation
 */
export { HazelcastSessionStore } from './hazelcast-store.js';
export { DEFAULTS, resolveOptions } from './options.js';
export type { HazelcastNearCacheOptions, HazelcastSessionStoreOptions, ResolvedOptions } from './options.js';
export { FIELD, RECORD_TYPE_NAME, decodeRecord, encodeRecord } from './record-codec.js';
export type { DecodedRecord } from './record-codec.js';
export { HAZELCAST_TTL_GRANULARITY_MS, nativeTtlMs } from './ttl.js';
export { USER_INDEX_NAME, ownedClientConfig } from './connection.js';
export { CasCache } from './cas-cache.js';
export { wrapHazelcastError } from './errors.js';
