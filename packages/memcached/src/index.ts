/**
 * `@sessionkit/memcached`: a SessionKit store on memcached (memjs), with compare-and-set built on the binary
 * protocol's CAS, consistent hashing over many servers and a bounded per-user index.
 *
 * Internals for benchmarks and tests (ring, limits, exptime rule, record codec) are in
 * `@sessionkit/memcached/internal`, without a stability promise.
 *
 * @packageDocumentation
 */
export { MemcachedSessionStore } from './memcached-store.js';
export type { MemcachedSessionStoreOptions } from './options.js';
