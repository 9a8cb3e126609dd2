/**
 * `@sessionkit/memcached/internal`: what benchmarks, tests and tools need beyond the public store: the
 * consistent-hash ring, memcached's size limits as the store applies them, the exptime rule and the record
 * codec. No stability promise: these change with the store.
 *
 * @packageDocumentation
 */

export { MAX_USER_ID_BYTES } from '@sessionkit/core';
export { ITEM_OVERHEAD_BYTES, MAX_PREFIX_BYTES } from './options.js';
export type { SessionFrame } from './record.js';
export { decodeRecord, encodeRecord, SESSION_HEADER_BYTES } from './record.js';
export { DEFAULT_VIRTUAL_NODES, HashRing } from './ring.js';
export { MAX_RELATIVE_EXPTIME_SECONDS, toExptime } from './ttl.js';
