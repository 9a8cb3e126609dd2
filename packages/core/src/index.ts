export * from './store.js';
export * from './errors.js';
export * from './ids.js';
export * from './clock.js';
export * from './store-helpers.js';
export * from './memory-store.js';
