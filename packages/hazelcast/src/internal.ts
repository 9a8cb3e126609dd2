/**
 * `@sessionkit/hazelcast/internal`: what benchmarks and tests need beyond the public surface. No stability
 * promise: these change with the adapter.
 *
 * @packageDocumentation
 */
export { DEFAULTS, resolveOptions } from './options.js';
export type { ResolvedOptions } from './options.js';
export { FIELD, RECORD_TYPE_NAME, decodeRecord, encodeRecord } from './record.js';
export type { DecodedRecord } from './record.js';
export { HAZELCAST_TTL_GRANULARITY_MS, nativeTtlMs } from './ttl.js';
export { ownedClientConfig } from './connection.js';
export { USER_INDEX_NAME } from './user-index.js';
export { LastValueCache } from './last-value-cache.js';
export { toHazelcastError } from './errors.js';
export { memberAddresses } from './member-probe.js';
