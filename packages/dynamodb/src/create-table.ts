/**
 * Creates (or checks) the session table: partition key `pk`, a GSI on `userId` projecting `expiresAt`, and TTL
 * on `ttl`. The CloudFormation and AWS CLI equivalents are in docs/dynamodb.md.
 *
 * @module
 */

import type {
  CreateTableCommandInput,
  DynamoDBClient,
  TableDescription,
  UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError, StoreTimeoutError } from '@sessionkit/core';
import { sdkErrorName, toDynamoDBError } from './errors.js';
import { DEFAULT_TABLE_NAME, DEFAULT_USER_INDEX_NAME } from './options.js';
import { ATTR } from './record.js';

/** Options of {@link createSessionTable}. */
export interface CreateSessionTableOptions {
  /** Default `sessionkit_sessions`. */
  tableName?: string;
  /** Default `byUser`. */
  userIndexName?: string;
  /**
   * `'PAY_PER_REQUEST'` (on-demand, the default) or `'PROVISIONED'` with {@link provisionedThroughput} for the
   * table and the index.
   */
  billingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
  /** Capacity units when `billingMode` is `'PROVISIONED'`. Default 5 RCU / 5 WCU. */
  provisionedThroughput?: { readCapacityUnits: number; writeCapacityUnits: number };
  /** Enable TTL on the `ttl` attribute. Default `true`. */
  enableTtl?: boolean;
  /** How long to wait for the table and index to become ACTIVE, in ms. Default 120,000. */
  waitTimeoutMs?: number;
  /** Name used in errors. Default `dynamodb`. */
  storeName?: string;
}

/** What {@link createSessionTable} did. */
export interface CreateSessionTableResult {
  /** `false` when the table already existed (its key schema and index were checked). */
  created: boolean;
  /**
   * `'enabled'` (just now), `'already-enabled'`, `'disabled'` (`enableTtl: false`), or `'unsupported'` when the
   * server does not implement UpdateTimeToLive (dynalite answers UnknownOperationException). Without TTL nothing
   * purges expired items; the store still never returns them.
   */
  ttl: 'enabled' | 'already-enabled' | 'disabled' | 'unsupported';
}

/** The CreateTable request for the session table (also what the docs' CLI/CloudFormation definitions mirror). */
export function sessionTableDefinition(options: CreateSessionTableOptions = {}): CreateTableCommandInput {
  const provisioned = options.billingMode === 'PROVISIONED';
  const throughput = {
    ReadCapacityUnits: options.provisionedThroughput?.readCapacityUnits ?? 5,
    WriteCapacityUnits: options.provisionedThroughput?.writeCapacityUnits ?? 5,
  };
  return {
    TableName: options.tableName ?? DEFAULT_TABLE_NAME,
    AttributeDefinitions: [
      { AttributeName: ATTR.key, AttributeType: 'S' },
      { AttributeName: ATTR.userId, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: ATTR.key, KeyType: 'HASH' }],
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
    GlobalSecondaryIndexes: [
      {
        IndexName: options.userIndexName ?? DEFAULT_USER_INDEX_NAME,
        KeySchema: [{ AttributeName: ATTR.userId, KeyType: 'HASH' }],
        // KEYS_ONLY + expiresAt: the index carries pk, userId and expiresAt, enough for listByUser without
        // touching the table, and each index entry stays ~100 bytes (index writes cost WCU too).
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [ATTR.expiresAt] },
        ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
      },
    ],
  };
}

/**
 * The UpdateTimeToLive request that turns on TTL for the session table: DynamoDB purges an item once the epoch
 * seconds in its `ttl` attribute are past (what {@link createSessionTable} sends, and the docs' CLI equivalent).
 */
export function sessionTableTtlSpecification(options: { tableName?: string } = {}): UpdateTimeToLiveCommandInput {
  return {
    TableName: options.tableName ?? DEFAULT_TABLE_NAME,
    TimeToLiveSpecification: { Enabled: true, AttributeName: ATTR.ttl },
  };
}

/**
 * Creates the session table if it does not exist, waits until it and its index are ACTIVE, and enables TTL on
 * the `ttl` attribute where the server supports it. An existing table is checked for the expected key schema
 * and index ({@link ConfigurationError} otherwise). Idempotent; meant for setup scripts and tests (production
 * tables usually come from CloudFormation/Terraform, see docs/dynamodb.md).
 */
export async function createSessionTable(
  client: DynamoDBClient,
  options: CreateSessionTableOptions = {},
): Promise<CreateSessionTableResult> {
  const store = options.storeName ?? 'dynamodb';
  const definition = sessionTableDefinition(options);
  const tableName = definition.TableName as string;
  const indexName = options.userIndexName ?? DEFAULT_USER_INDEX_NAME;
  const wrap = (error: unknown): Error => toDynamoDBError(store, 'createTable', error, tableName);
  let created = true;
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if (sdkErrorName(error) !== 'ResourceInUseException') throw wrap(error);
    created = false;
  }
  const table = await waitUntilActive(client, tableName, options.waitTimeoutMs ?? 120_000, store, wrap);
  if (!created) checkSchema(table, tableName, indexName, store, 'createTable');
  if (options.enableTtl === false) return { created, ttl: 'disabled' };
  return { created, ttl: await enableTtl(client, tableName, store, wrap) };
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
  store: string,
  wrap: (error: unknown) => Error,
): Promise<TableDescription> {
  const deadline = performance.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
    let table: TableDescription | undefined;
    try {
      table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (error) {
      // Right after CreateTable, real DynamoDB may briefly answer ResourceNotFoundException.
      if (sdkErrorName(error) !== 'ResourceNotFoundException') throw wrap(error);
    }
    const indexes = table?.GlobalSecondaryIndexes ?? [];
    const indexReady = indexes.every((index) => index.IndexStatus === undefined || index.IndexStatus === 'ACTIVE');
    if (table && table.TableStatus === 'ACTIVE' && indexReady) return table;
    if (performance.now() + delay > deadline) {
      throw new StoreTimeoutError(timeoutMs, { store, operation: 'createTable' });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Throws {@link ConfigurationError} unless `table` has the layout the store expects: partition key `pk`, no sort
 * key, and a GSI `indexName` on `userId`.
 */
export function checkSchema(
  table: TableDescription,
  tableName: string,
  indexName: string,
  store: string,
  operation: string,
): void {
  const hash = table.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const hasRange = table.KeySchema?.some((k) => k.KeyType === 'RANGE') ?? false;
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === indexName);
  const indexHash = index?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (hash !== ATTR.key || hasRange || indexHash !== ATTR.userId) {
    throw new ConfigurationError(
      `table "${tableName}" exists with a different schema: expected partition key "${ATTR.key}" (no sort ` +
        `key) and a GSI "${indexName}" on "${ATTR.userId}"`,
      { store, operation },
    );
  }
}

async function enableTtl(
  client: DynamoDBClient,
  tableName: string,
  store: string,
  wrap: (error: unknown) => Error,
): Promise<CreateSessionTableResult['ttl']> {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    const attribute = current.TimeToLiveDescription?.AttributeName;
    if ((status === 'ENABLED' || status === 'ENABLING') && attribute === ATTR.ttl) return 'already-enabled';
    if ((status === 'ENABLED' || status === 'ENABLING') && attribute !== ATTR.ttl) {
      throw new ConfigurationError(`TTL on table "${tableName}" is enabled on "${attribute}", not "${ATTR.ttl}"`, {
        store,
        operation: 'createTable',
      });
    }
  } catch (error) {
    // dynalite implements neither DescribeTimeToLive nor UpdateTimeToLive: it answers UnknownOperationException.
    if (sdkErrorName(error) === 'UnknownOperationException') return 'unsupported';
    throw error instanceof ConfigurationError ? error : wrap(error);
  }
  try {
    await client.send(new UpdateTimeToLiveCommand(sessionTableTtlSpecification({ tableName })));
    return 'enabled';
  } catch (error) {
    const name = sdkErrorName(error);
    if (name === 'UnknownOperationException') return 'unsupported';
    // Another process enabled it between our Describe and Update.
    if (name === 'ValidationException' && /already enabled/i.test(String((error as Error).message))) {
      return 'already-enabled';
    }
    throw wrap(error);
  }
}
