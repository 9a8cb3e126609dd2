/**
 * The table layout the store reads and writes, in one place so that the store, {@link createSessionTable} and
 * the docs (docs/dynamodb.md, CloudFormation and AWS CLI definitions) cannot drift apart.
 *
 * One item per session:
 *
 * | attribute   | type | meaning                                                                         |
 * |-------------|------|---------------------------------------------------------------------------------|
 * | `pk`        | S    | partition key: the store prefix + the hashed session key                        |
 * | `data`      | B    | codec output, opaque                                                            |
 * | `version`   | N    | 1 on create, +1 per update; the compare-and-set token                           |
 * | `expiresAt` | N    | epoch **milliseconds**; every read and every condition filters on it            |
 * | `ttl`       | N    | epoch **seconds** (rounded up): the attribute DynamoDB TTL purges on, days late |
 * | `userId`    | S    | owner; partition key of the `byUser` GSI (absent for anonymous sessions)        |
 *
 * @module
 */

/** Attribute names. Short, but readable in the console; every byte of them counts toward the 400 KB item limit. */
export const ATTR = {
  key: 'pk',
  data: 'data',
  version: 'version',
  expiresAt: 'expiresAt',
  ttl: 'ttl',
  userId: 'userId',
} as const;

/** Default table name. */
export const DEFAULT_TABLE_NAME = 'sessionkit_sessions';
/** Default name of the global secondary index on `userId`. */
export const DEFAULT_USER_INDEX_NAME = 'byUser';
/** Default key prefix. */
export const DEFAULT_PREFIX = 'sess:';

/**
 * DynamoDB's item size limit: 400 KB, i.e. 409,600 bytes, counting attribute names and values
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
 */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/**
 * Bytes reserved for everything in the item that is not `data` when the advertised `maxPayloadBytes` is derived:
 * the attribute names (31 bytes), the numbers (at most 21 bytes each), the partition key (prefix + a key of up
 * to 512 characters) and a userId. 4 KiB covers a 43-character hashed key with any sane prefix and userId;
 * the exact size of each item is still checked before it is sent (see `itemSize`).
 */
export const ITEM_OVERHEAD_RESERVE_BYTES = 4 * 1024;

/** Default `maxPayloadBytes`: the item limit minus {@link ITEM_OVERHEAD_RESERVE_BYTES} (405,504 bytes). */
export const DEFAULT_MAX_PAYLOAD_BYTES = DYNAMODB_MAX_ITEM_BYTES - ITEM_OVERHEAD_RESERVE_BYTES;

/** DynamoDB limits on key attribute values (partition key of the table and of the GSI): 2048 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;

/** BatchWriteItem accepts at most 25 requests per call. */
export const BATCH_WRITE_LIMIT = 25;
/** BatchGetItem accepts at most 100 keys per call. */
export const BATCH_GET_LIMIT = 100;
