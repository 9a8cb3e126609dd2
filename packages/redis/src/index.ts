/**
 * `@sessionkit/redis`: a SessionKit {@link SessionStore} on ioredis for standalone Redis, Sentinel and Redis
 * Cluster.
 *
 * @module
 */
export { RedisSessionStore } from './redis-store.js';
export type { RedisSessionStoreOptions } from './options.js';
export { recommendedClusterOptions, recommendedRedisOptions, reconnectDelay, reconnectOnReadonly } from './options.js';
export { FIXED_HEADER_BYTES, MAX_USER_ID_BYTES, decodeRecord, encodeRecord } from './codec.js';
export type { DecodedRecord } from './codec.js';
export { luaScripts } from './scripts.js';
