/**
 * How a session sits in the IMap: one Compact record per session, written as a compact `GenericRecord`.
 *
 * Why Compact and not JSON: the payload is binary (`Uint8Array`). Compact stores it as a raw `int8` array
 * (no base64, no JSON parse) while members can still index and query the `userId` and `expiresAt` fields
 * without any Java class on the member. Using a *generic* record (rather than a registered serializer) means
 * an existing client works as-is: reading a compact value whose type has no registered serializer yields a
 * `GenericRecord`, and the client replicates the schema to the cluster by itself (again after a cluster
 * restart). Measured against a JSON value: docs/hazelcast.md.
 *
 * @module
 */

import type { StoredSession } from '@sessionkit/core';
import { Fields, type GenericRecord, GenericRecords } from 'hazelcast-client';

/** Compact type name of a session record. Changing it (or the fields) changes the schema. */
export const RECORD_TYPE_NAME = 'sessionkit.Session';

/** Field names, also the attribute names for predicates and the index. */
export const FIELD = {
  data: 'data',
  version: 'version',
  expiresAt: 'expiresAt',
  userId: 'userId',
} as const;

// float64 for version and expiresAt: every safe integer round-trips exactly, and it avoids `Long` on both
// sides of the wire. `userId` is a nullable string (null = no owner).
const SCHEMA = {
  [FIELD.data]: Fields.ARRAY_OF_INT8,
  [FIELD.version]: Fields.FLOAT64,
  [FIELD.expiresAt]: Fields.FLOAT64,
  [FIELD.userId]: Fields.STRING,
};

type RecordValues = { data: Buffer; version: number; expiresAt: number; userId: string | null };
type GenericRecordConstructor = new (
  typeName: string,
  fields: typeof SCHEMA,
  values: RecordValues,
  schema: unknown,
) => GenericRecord;
let prebuilt: { construct: GenericRecordConstructor; schema: unknown } | undefined;

/**
 * Builds the compact generic record for `values`.
 *
 * Quirk (hazelcast-client 5.6): `GenericRecords.compact()` recomputes the schema, fingerprint included, for
 * every record, which made encoding several times slower (docs/hazelcast.md). The record class accepts an
 * already built schema as a fourth constructor argument (the client's own deserializer uses it), so after the
 * first record the schema is reused; field validation still runs. A client without `getSchema` keeps using
 * the public factory.
 */
function buildRecord(values: RecordValues): GenericRecord {
  if (prebuilt !== undefined) return new prebuilt.construct(RECORD_TYPE_NAME, SCHEMA, values, prebuilt.schema);
  const record = GenericRecords.compact(RECORD_TYPE_NAME, SCHEMA, values);
  const schema = (record as unknown as { getSchema?: () => unknown }).getSchema?.();
  if (schema !== undefined) {
    prebuilt = { construct: record.constructor as GenericRecordConstructor, schema };
  }
  return record;
}

/** A decoded record together with the exact stored value, which compare-and-set operations need. */
export interface DecodedRecord {
  /** The value as read from (or written to) the map; `replaceIfSame`/`remove(key, value)` compare against it. */
  raw: GenericRecord;
  /** The session's version. */
  version: number;
  /** The session's deadline, epoch milliseconds. */
  expiresAt: number;
  /** The owner, if any. */
  userId: string | undefined;
  /** The payload as stored (a view into the client's buffer: copy before handing it out). */
  data: Buffer;
}

/** Encodes a session as the stored compact record. */
export function encodeRecord(session: {
  data: Uint8Array;
  version: number;
  expiresAt: number;
  userId?: string | undefined;
}): DecodedRecord {
  // Zero-copy view: the compact writer copies the bytes into its output buffer.
  const data = Buffer.from(session.data.buffer, session.data.byteOffset, session.data.byteLength);
  const userId = session.userId ?? null;
  const raw = buildRecord({ data, version: session.version, expiresAt: session.expiresAt, userId });
  return { raw, version: session.version, expiresAt: session.expiresAt, userId: userId ?? undefined, data };
}

/**
 * Decodes a stored value, or returns `undefined` when it is not a SessionKit record (another application's
 * value under our prefix): such a value reads as missing and is never returned as a session.
 */
export function decodeRecord(value: unknown): DecodedRecord | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const raw = value as GenericRecord;
  if (typeof raw.getArrayOfInt8 !== 'function') return undefined;
  try {
    const data = raw.getArrayOfInt8(FIELD.data);
    const version = raw.getFloat64(FIELD.version);
    const expiresAt = raw.getFloat64(FIELD.expiresAt);
    const userId = raw.getString(FIELD.userId);
    if (data === null || !Number.isFinite(version) || !Number.isFinite(expiresAt)) return undefined;
    return { raw, data, version, expiresAt, userId: userId ?? undefined };
  } catch {
    // A missing field, or one of the right name but another kind: another type's record, so not a session
    // (reads as missing).
    return undefined;
  }
}

/** The public shape of a decoded record; `copy` hands out a private copy of the payload instead of a view. */
export function toStoredSession(record: DecodedRecord, copy: boolean): StoredSession {
  const d = record.data;
  const session: StoredSession = {
    data: copy ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
    version: record.version,
    expiresAt: record.expiresAt,
  };
  if (record.userId !== undefined) session.userId = record.userId;
  return session;
}
