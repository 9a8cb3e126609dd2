/**
 * Conversion between {@link StoredSession} and DynamoDB's wire format (`AttributeValue` maps), done by hand on
 * the low-level client so the package needs no `@aws-sdk/util-dynamodb`, plus the item size arithmetic used to
 * reject oversized sessions before anything is sent.
 *
 * @module
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoredSession } from '@sessionkit/core';
import { ATTR } from './schema.js';

/** A DynamoDB item as the low-level client sends and receives it. */
export type Item = Record<string, AttributeValue>;

/** The TTL attribute value: epoch seconds, rounded up so DynamoDB never purges before `expiresAt`. */
export function ttlSeconds(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000);
}

/** Builds the full item written by `create`. */
export function toItem(pk: string, session: StoredSession): Item {
  const item: Item = {
    [ATTR.key]: { S: pk },
    [ATTR.data]: { B: session.data },
    [ATTR.version]: { N: String(session.version) },
    [ATTR.expiresAt]: { N: String(session.expiresAt) },
    [ATTR.ttl]: { N: String(ttlSeconds(session.expiresAt)) },
  };
  if (session.userId !== undefined) item[ATTR.userId] = { S: session.userId };
  return item;
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

/**
 * Converts a stored item back to a {@link StoredSession}, or `null` if the item is not live at `now` or lacks the
 * attributes this store writes (an item some other writer put in the table is treated as missing, never crashes).
 */
export function fromItem(item: Item | undefined, now: number): StoredSession | null {
  if (!item) return null;
  const expiresAt = readNumber(item, ATTR.expiresAt);
  const version = readNumber(item, ATTR.version);
  // The read-side expiry filter: DynamoDB TTL deletes expired items up to days late (dynalite never), so an item
  // past expiresAt may still be returned by GetItem. `!(x > now)` also rejects NaN.
  if (!(expiresAt > now) || !Number.isSafeInteger(version)) return null;
  const data = item[ATTR.data];
  if (data === undefined || !('B' in data) || !(data.B instanceof Uint8Array)) return null;
  const session: StoredSession = { data: data.B, version, expiresAt };
  const userId = readString(item, ATTR.userId);
  if (userId !== undefined) session.userId = userId;
  return session;
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
  const digits = String(Math.abs(value)).replace(/[^0-9]/g, '').replace(/^0+/, '').length || 1;
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
    numberBytes(ttlSeconds(session.expiresAt));
  if (session.userId !== undefined) size += ATTR.userId.length + utf8Bytes(session.userId);
  return size;
}
