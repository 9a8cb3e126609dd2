/**
 * `@sessionkit/tiered`: a write-through {@link TieredStore} with a fast cache in front of a durable store.
 *
 * @module
 */

export type { NearCacheOptions } from '@sessionkit/core';
export { CACHE_FAILING_WARNING } from './cache-warning.js';
export type { BreakerState, CircuitBreakerOptions } from './circuit-breaker.js';
export { CircuitBreaker } from './circuit-breaker.js';
export type { TieredStoreOptions, TieredStoreStats } from './tiered-store.js';
export { TieredStore } from './tiered-store.js';
