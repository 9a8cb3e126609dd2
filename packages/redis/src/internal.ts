/**
 * `@sessionkit/redis/internal`: what the benchmarks and tests need from the adapter beyond its public surface,
 * so they send exactly the adapter's commands and read or write exactly its values. No stability promise:
 * this changes whenever the adapter does.
 *
 * @module
 */

export type { DecodedRecord } from './record.js';
export { decodeRecord, encodeRecord, FIXED_HEADER_BYTES } from './record.js';
export { luaScripts } from './scripts.js';
