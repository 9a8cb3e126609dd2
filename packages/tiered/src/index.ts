/**
 * `@sessionkit/tiered`: a write-through {@link TieredStore} with a fast cache in front of a durable store.
 *
 * @module
 */
export { TieredStore } from './tiered-store.js';
export type { TieredStoreOptions, TieredStoreStats } from './tiered-store.js';
export { CACHE_FAILING_WARNING } from './cache-warning.js';
export { CircuitBreaker } from './circuit-breaker.js';
export type { BreakerState, CircuitBreakerOptions } from './circuit-breaker.js';
export type { NearCacheOptions } from '@sessionkit/core';
