/**
 * `@sessionkit/memcached/internal`: what benchmarks, tests and tools need beyond the public store: the
 * consistent-hash ring, memcached's size limits as the store applies them, the exptime rule and the record
 * codec. No stability promise: these change with the store.
 *
 * @packageDocumentation
 */
export { HashRing, DEFAULT_VIRTUAL_NODES } from './ring.js';
export { ITEM_OVERHEAD_BYTES, MAX_PREFIX_BYTES } from './options.js';
export { MAX_USER_ID_BYTES } from '@sessionkit/core';
export { SESSION_HEADER_BYTES, decodeRecord, encodeRecord } from './record.js';
export type { SessionFrame } from './record.js';
export { toExptime, MAX_RELATIVE_EXPTIME_SECONDS } from './ttl.js';
