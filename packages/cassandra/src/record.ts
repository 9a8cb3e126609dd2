/**
 * The session row and its columns: a {@link StoredSession} is stored as `data blob, version bigint, expires_at
 * bigint, user_id text, write_id uuid`. Writes bind the encoded columns straight into each statement's
 * parameters ({@link encodeData}, {@link encodeBigint}), so no intermediate record is built on the write path;
 * {@link decodeRecord} reads a row back.
 *
 * @module
 */

import type { StoredSession } from '@sessionkit/core';
import { isLive } from '@sessionkit/core';
import type { types as driverTypes } from 'cassandra-driver';
import cassandra from 'cassandra-driver';

type Row = driverTypes.Row;
type Long = driverTypes.Long;
const { Long } = cassandra.types;

/** The columns of a session row, decoded. */
export interface SessionRow {
  data: Buffer;
  version: number;
  expiresAt: number;
  userId: string | null;
  /** The random token of the write that produced the row (a string, for comparisons). */
  writeId: string | null;
}

/** `data` as the driver binds a blob: a `Buffer` over the same bytes (no copy). */
export function encodeData(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** An epoch-ms or version number as the driver binds a `bigint` column. */
export function encodeBigint(value: number): Long {
  return Long.fromNumber(value);
}

/** Reads a bigint/int column the way any client encodes it (Long by default, bigint with useBigIntAsLong). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  return Number.NaN;
}

/** Converts a driver uuid (or null) to its string form for comparisons. */
export function uuidString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * Decodes a full session row; `null` for no row. Every write sets every column with one TTL, so a row lacking
 * one of them is not one of ours (or was damaged by hand): it reads as missing rather than as half a session.
 */
export function decodeRecord(row: Row | null): SessionRow | null {
  if (row === null) return null;
  const data = row.get('data') as Buffer | null;
  const version = toNumber(row.get('version'));
  const expiresAt = toNumber(row.get('expires_at'));
  if (!Buffer.isBuffer(data) || !Number.isFinite(version) || !Number.isFinite(expiresAt)) return null;
  const userId = row.get('user_id') as string | null;
  return { data, version, expiresAt, userId: userId ?? null, writeId: uuidString(row.get('write_id')) };
}

/** The {@link StoredSession} a decoded row holds (its data copied out of the driver's buffer). */
export function toStoredSession(row: SessionRow): StoredSession {
  const session: StoredSession = { data: new Uint8Array(row.data), version: row.version, expiresAt: row.expiresAt };
  if (row.userId !== null) session.userId = row.userId;
  return session;
}

/** Whether a partial row (the condition columns a failed LWT returns) is there and live at `now`. */
export function isLiveRow(row: Row | null, now: number): boolean {
  if (row === null) return false;
  const expiresAt = toNumber(row.get('expires_at'));
  return Number.isFinite(expiresAt) && isLive(expiresAt, now);
}
