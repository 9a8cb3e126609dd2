/**
 * `@sessionkit/core`: the session store contract, the {@link SessionManager} lifecycle and the embedded
 * {@link MemoryStore}.
 *
 * @module
 */

export * from './backoff.js';
export * from './clock.js';
export * from './codec.js';
export * from './codec-compression.js';
export * from './codec-encryption.js';
export * from './errors.js';
export * from './events.js';
export * from './ids.js';
export * from './logger.js';
export * from './manager.js';
export * from './map-limit.js';
export * from './memory-store.js';
export * from './merge.js';
export * from './near-cache.js';
export * from './operation-tracer.js';
export * from './presets.js';
export * from './scan-cursor.js';
export * from './session.js';
export * from './session-codec.js';
export * from './store.js';
export * from './store-guards.js';
export * from './store-helpers.js';
export * from './store-options.js';
export * from './ttl.js';
export * from './write-lanes.js';
