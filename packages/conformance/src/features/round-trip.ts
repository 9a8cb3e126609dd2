/**
 * `round trip`: what goes in comes back, byte for byte, with its metadata.
 *
 * @module
 */
import { expect } from 'vitest';
import { allByteValues, assertSameBytes, mustGet, randomData, record } from '../helpers.js';
import type { Check, Feature } from '../types.js';

const ONE_MIB = 1024 * 1024;

/** The largest payload the round trip sends: the declared limit, capped at 1 MiB. */
export function roundTripMaxBytes(maxPayloadBytes: number): number {
  return Math.min(maxPayloadBytes, ONE_MIB);
}

/** Every byte value survives, and version, expiresAt and userId come back exactly. */
export const allByteValuesCheck: Check = {
  id: 'all-byte-values',
  title: 'stores all 256 byte values and returns data, version, expiresAt and userId exactly',
  async run({ store, key, userId }) {
    const k = key();
    const input = record({ data: allByteValues(), userId: userId() });
    expect(await store.create(k, input), 'create of a new key').toBe(true);
    const got = await mustGet(store, k);
    assertSameBytes(got.data, input.data);
    expect(got.version, 'version').toBe(1);
    expect(got.expiresAt, 'expiresAt').toBe(input.expiresAt);
    expect(got.userId, 'userId').toBe(input.userId);
  },
};

/** Empty data is a valid payload, distinct from a miss. */
export const emptyDataCheck: Check = {
  id: 'empty-data',
  title: 'stores empty data (0 bytes) as a record, not as a miss',
  async run({ store, key }) {
    const k = key();
    expect(await store.create(k, record({ data: new Uint8Array(0) }))).toBe(true);
    const got = await mustGet(store, k, 'for a record with empty data');
    assertSameBytes(got.data, new Uint8Array(0));
  },
};

/** A record without `userId` comes back without one. */
export const noUserCheck: Check = {
  id: 'no-user',
  title: 'a record created without userId comes back without one',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    const got = await mustGet(store, k);
    expect(got.userId, 'userId').toBeUndefined();
  },
};

/** A payload exactly at the declared limit (up to 1 MiB) is accepted and returned intact. */
export const maxPayloadCheck: Check = {
  id: 'max-payload',
  title: 'accepts and returns data of exactly min(capabilities.maxPayloadBytes, 1 MiB) bytes',
  async run({ store, key, capabilities }) {
    const size = roundTripMaxBytes(capabilities.maxPayloadBytes);
    const k = key();
    const data = randomData(size);
    expect(await store.create(k, record({ data })), `create with ${size} bytes`).toBe(true);
    assertSameBytes((await mustGet(store, k)).data, data);
    const next = randomData(size);
    expect(await store.update(k, record({ data: next, version: 2 }), 1), `update with ${size} bytes`).toBe(true);
    assertSameBytes((await mustGet(store, k)).data, next);
  },
};

/** The store copies the caller's buffer: mutating it after the call resolved changes nothing stored. */
export const inputCopiedCheck: Check = {
  id: 'input-copied',
  title: 'mutating the input buffer after create or update resolved does not change what is stored',
  async run({ store, key }) {
    const k = key();
    const data = randomData(64);
    const original = data.slice();
    await store.create(k, record({ data }));
    data.fill(0);
    assertSameBytes((await mustGet(store, k)).data, original, 'data after mutating the create input');

    const next = randomData(64);
    const nextOriginal = next.slice();
    await store.update(k, record({ data: next, version: 2 }), 1);
    next.fill(0xff);
    assertSameBytes((await mustGet(store, k)).data, nextOriginal, 'data after mutating the update input');
  },
};

/** A `'strong'` read returns the latest acknowledged write. */
export const strongReadCheck: Check = {
  id: 'strong-read',
  title: "a 'strong' read returns the latest acknowledged write",
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    const next = record({ version: 2 });
    expect(await store.update(k, next, 1)).toBe(true);
    const got = await store.get(k, { consistency: 'strong' });
    expect(got?.version, "version from get('strong')").toBe(2);
    assertSameBytes(got?.data, next.data);
  },
};

/** Feature `round-trip`. */
export const roundTrip: Feature = {
  id: 'round-trip',
  title: 'round trip',
  checks: [allByteValuesCheck, emptyDataCheck, noUserCheck, maxPayloadCheck, inputCopiedCheck, strongReadCheck],
};
