/**
 * The stored item: {@link StoredSession} to DynamoDB's wire format (`AttributeValue` maps) and back, done by hand
 * on the low-level client so the package needs no `@aws-sdk/util-dynamodb`, plus the item size arithmetic used
 * to reject oversized sessions before anything is sent. The layout, in one place so that the store,
 * `createSessionTable` and docs/dynamodb.md cannot drift apart:
 *
 * | attribute   | type | meaning                                                                         |
 * |-------------|------|---------------------------------------------------------------------------------|
 * | `pk`        | S    | partition key: the store's `keyPrefix` + the hashed session key                 |
 * | `data`      | B    | codec output, opaque                                                            |
 * | `version`   | N    | 1 on create, +1 per update; the compare-and-set token                           |
 * | `expiresAt` | N    | epoch **milliseconds**; every read and every condition filters on it            |
 * | `ttl`       | N    | epoch **seconds** (rounded up, see ttl.ts): the attribute DynamoDB TTL purges on |
 * | `userId`    | S    | owner; partition key of the `byUser` GSI (absent for anonymous sessions)        |
 *
 * @module
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoredSession } from '@sessionkit/core';
import { isLive } from '@sessionkit/core';
import { ttlEpochSeconds } from './ttl.js';

/** Attribute names. Short, but readable in the console; every byte of them counts toward the 400 KB item limit. */
export const ATTR = {
  key: 'pk',
  data: 'data',
  version: 'version',
  expiresAt: 'expiresAt',
  ttl: 'ttl',
  userId: 'userId',
} as const;

/**
 * DynamoDB's item size limit: 400 KB, i.e. 409,600 bytes, counting attribute names and values
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
 */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/** DynamoDB limits on key attribute values (partition key of the table and of the GSI): 2048 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;

/** A DynamoDB item as the low-level client sends and receives it. */
export type Item = Record<string, AttributeValue>;

/** The full item `create` writes under the partition key `pk`. */
export function encodeRecord(pk: string, session: StoredSession): Item {
  const item: Item = {
    [ATTR.key]: { S: pk },
    [ATTR.data]: { B: session.data },
    [ATTR.version]: { N: String(session.version) },
    [ATTR.expiresAt]: { N: String(session.expiresAt) },
    [ATTR.ttl]: { N: String(ttlEpochSeconds(session.expiresAt)) },
  };
  if (session.userId !== undefined) item[ATTR.userId] = { S: session.userId };
  return item;
}

/**
 * The {@link StoredSession} in a stored item, or `null` if the item is not live at `now` or lacks the attributes
 * this store writes (an item some other writer put in the table reads as missing, never crashes).
 */
export function decodeRecord(item: Item | undefined, now: number): StoredSession | null {
  if (!item) return null;
  const expiresAt = readNumber(item, ATTR.expiresAt);
  const version = readNumber(item, ATTR.version);
  // The read-side expiry filter: DynamoDB TTL deletes expired items up to days late (dynalite never), so an item
  // past expiresAt may still be returned by GetItem. isLive is false for NaN too.
  if (!isLive(expiresAt, now) || !Number.isSafeInteger(version)) return null;
  const data = item[ATTR.data];
  if (data === undefined || !('B' in data) || !(data.B instanceof Uint8Array)) return null;
  const session: StoredSession = { data: data.B, version, expiresAt };
  const userId = readString(item, ATTR.userId);
  if (userId !== undefined) session.userId = userId;
  return session;
}

/**
 * Whether `item` holds exactly what a create/update wrote: same version, deadline and bytes (and owner, with
 * `checkOwner`). Live or not does not matter here. Versions are never reused for a key, so a match proves that
 * this very write was applied.
 */
export function holdsRecord(item: Item | undefined, written: StoredSession, checkOwner: boolean): boolean {
  if (!item) return false;
  const data = item[ATTR.data];
  return (
    readNumber(item, ATTR.version) === written.version &&
    readNumber(item, ATTR.expiresAt) === written.expiresAt &&
    (!checkOwner || readString(item, ATTR.userId) === written.userId) &&
    data !== undefined &&
    'B' in data &&
    data.B instanceof Uint8Array &&
    Buffer.compare(data.B, written.data) === 0
  );
}

/** Reads a number attribute; `NaN` when it is missing or not a number, so callers treat the item as corrupt/dead. */
export function readNumber(item: Item, name: string): number {
  const value = item[name];
  return value !== undefined && 'N' in value && typeof value.N === 'string' ? Number(value.N) : Number.NaN;
}

/** Reads a string attribute, or `undefined`. */
export function readString(item: Item, name: string): string | undefined {
  const value = item[name];
  return value !== undefined && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

/** UTF-8 size of a string, the unit DynamoDB bills and limits strings (and attribute names) in. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/**
 * Upper bound of the stored size of a number: DynamoDB counts about one byte per two significant digits plus
 * one (dynalite: `1 + ceil(digits / 2)`, +1 for some even-digit cases); we take the +2 bound for every number.
 */
export function numberBytes(value: number): number {
  const digits =
    String(Math.abs(value))
      .replace(/[^0-9]/g, '')
      .replace(/^0+/, '').length || 1;
  return 2 + Math.ceil(digits / 2);
}

/**
 * Size of the item DynamoDB would store for this session, by its rules: for every attribute, the UTF-8 length
 * of its name plus the size of its value (UTF-8 bytes for strings, raw bytes for binary, see
 * {@link numberBytes} for numbers). Compared against the 400 KB item limit before any write.
 */
export function itemSize(pk: string, session: StoredSession): number {
  let size =
    ATTR.key.length +
    utf8Bytes(pk) +
    ATTR.data.length +
    session.data.byteLength +
    ATTR.version.length +
    numberBytes(session.version) +
    ATTR.expiresAt.length +
    numberBytes(session.expiresAt) +
    ATTR.ttl.length +
    numberBytes(ttlEpochSeconds(session.expiresAt));
  if (session.userId !== undefined) size += ATTR.userId.length + utf8Bytes(session.userId);
  return size;
}
