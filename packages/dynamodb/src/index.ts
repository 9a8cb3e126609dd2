/**
 * `@sessionkit/dynamodb`: SessionKit's session store on Amazon DynamoDB (AWS SDK v3).
 *
 * @module
 */
export { DynamoDBSessionStore } from './dynamodb-store.js';
export type { DynamoDBSessionStoreOptions, DynamoDBCredentials, DynamoDBRetryOptions } from './options.js';
export { createSessionTable, sessionTableDefinition } from './create-table.js';
export type { CreateSessionTableOptions, CreateSessionTableResult } from './create-table.js';
export {
  ATTR,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_PREFIX,
  DEFAULT_TABLE_NAME,
  DEFAULT_USER_INDEX_NAME,
  DYNAMODB_MAX_ITEM_BYTES,
} from './schema.js';
export { THROTTLING_ERRORS } from './errors.js';
