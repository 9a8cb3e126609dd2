/**
 * `@sessionkit/dynamodb/internal`: what benchmarks and tests need that is not part of the public API (the item
 * layout and its codec, DynamoDB's item limit, the option defaults, the throttling error names). No stability promise: it
 * changes with the adapter.
 *
 * @module
 */

export { THROTTLING_ERRORS } from './errors.js';
export {
  DEFAULT_KEY_PREFIX,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_TABLE_NAME,
  DEFAULT_USER_INDEX_NAME,
} from './options.js';
export type { Item } from './record.js';
export { ATTR, DYNAMODB_MAX_ITEM_BYTES, decodeRecord, encodeRecord, itemSize } from './record.js';
