/**
 * `@sessionkit/hazelcast/internal`: what benchmarks and tests need beyond the public surface. No stability
 * promise: these change with the adapter.
 *
 * @packageDocumentation
 */

export { ownedClientConfig } from './connection.js';
export { toHazelcastError } from './errors.js';
export { LastValueCache } from './last-value-cache.js';
export { memberAddresses } from './member-probe.js';
export type { ResolvedOptions } from './options.js';
export { DEFAULTS, resolveOptions } from './options.js';
export type { DecodedRecord } from './record.js';
export { decodeRecord, encodeRecord, FIELD, RECORD_TYPE_NAME } from './record.js';
export { HAZELCAST_TTL_GRANULARITY_MS, nativeTtlMs } from './ttl.js';
export { USER_INDEX_NAME } from './user-index.js';
