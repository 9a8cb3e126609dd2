/**
 * `@sessionkit/memcached`: a SessionKit store on memcached (memjs), with compare-and-set built on the binary
 * protocol's CAS, consistent hashing over many servers and a bounded per-user index.
 *
 * @packageDocumentation
 */
export { MemcachedSessionStore } from './memcached-store.js';
export type { MemcachedStoreOptions, UserIndexFullPolicy } from './options.js';
export { ITEM_OVERHEAD_BYTES, MAX_PREFIX_BYTES } from './options.js';
export { HashRing, DEFAULT_VIRTUAL_NODES } from './ring.js';
export { MAX_USER_ID_BYTES } from './frame.js';
export { toExptime, MAX_RELATIVE_EXPTIME_SECONDS } from './expiry.js';
