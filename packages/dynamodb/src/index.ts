/**
 * `@sessionkit/dynamodb`: SessionKit's session store on Amazon DynamoDB (AWS SDK v3). What benchmarks and tests
 * need beyond this (the item layout, limits, defaults) is in `@sessionkit/dynamodb/internal`.
 *
 * @module
 */

export type { CreateSessionTableOptions, CreateSessionTableResult } from './create-table.js';
export { createSessionTable, sessionTableDefinition, sessionTableTtlSpecification } from './create-table.js';
export { DynamoDBSessionStore } from './dynamodb-store.js';
export type { DynamoDBCredentials, DynamoDBRetryOptions, DynamoDBSessionStoreOptions } from './options.js';
export type { DynamoDBScanOptions } from './scan.js';
export { MAX_SCAN_SEGMENTS } from './scan.js';
