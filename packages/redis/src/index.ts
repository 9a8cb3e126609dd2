/**
 * `@sessionkit/redis`: a SessionKit {@link SessionStore} on ioredis for standalone Redis, Sentinel and Redis
 * Cluster. What benchmarks and tests need beyond this (the record codec, the Lua sources) is in
 * `@sessionkit/redis/internal`, without a stability promise.
 *
 * @module
 */

export type { RedisSessionStoreOptions } from './options.js';
export { recommendedClusterOptions, recommendedRedisOptions, reconnectDelay, reconnectOnReadonly } from './options.js';
export { RedisSessionStore } from './redis-store.js';
