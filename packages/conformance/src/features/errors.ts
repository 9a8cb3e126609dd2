/**
 * `errors`: failures are typed {@link SessionKitError}s tagged with the store's name, payload limits are
 * enforced before anything is written, and a closed store rejects every call.
 *
 * @module
 */

import type { SessionStore, StoreCapabilities } from '@sessionkit/core';
import { PayloadTooLargeError, StoreClosedError, UnsupportedOperationError } from '@sessionkit/core';
import { expect } from 'vitest';
import { assertSameBytes, assertStoreError, mustGet, mustMiss, randomData, record, rejection } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/** Payloads above this size are not allocated by the suite; the checks are skipped with that reason. */
export const MAX_OVERSIZE_PROBE_BYTES = 64 * 1024 * 1024;

function oversizeRequirement(capabilities: StoreCapabilities): string | undefined {
  return capabilities.maxPayloadBytes + 1 > MAX_OVERSIZE_PROBE_BYTES
    ? `capabilities.maxPayloadBytes (${capabilities.maxPayloadBytes}) is above the 64 MiB the suite allocates`
    : undefined;
}

function assertTooLarge(error: unknown, store: SessionStore, what: string, size: number): void {
  assertStoreError(error, store, what, PayloadTooLargeError);
  expect(error.code, `${what}: code`).toBe('PAYLOAD_TOO_LARGE');
  expect((error as PayloadTooLargeError).size, `${what}: size`).toBe(size);
  expect((error as PayloadTooLargeError).limit, `${what}: limit`).toBe(store.capabilities.maxPayloadBytes);
}

/** Create with one byte over the limit rejects and writes nothing. */
export const tooLargeCreateCheck: Check = {
  id: 'too-large-create',
  title: 'create with data over maxPayloadBytes rejects with PayloadTooLargeError and writes nothing',
  applies: oversizeRequirement,
  async run({ store, key, capabilities }) {
    const k = key();
    const size = capabilities.maxPayloadBytes + 1;
    const error = await rejection(store.create(k, record({ data: new Uint8Array(size) })), 'oversized create');
    assertTooLarge(error, store, 'oversized create', size);
    await mustMiss(store, k, 'after an oversized create');
    expect(await store.create(k, record()), 'create after the refused one').toBe(true);
  },
};

/** Update with one byte over the limit rejects and leaves the record as it was. */
export const tooLargeUpdateCheck: Check = {
  id: 'too-large-update',
  title: 'update with data over maxPayloadBytes rejects with PayloadTooLargeError and changes nothing',
  applies: oversizeRequirement,
  async run({ store, key, capabilities }) {
    const k = key();
    const original = record({ data: randomData(16) });
    await store.create(k, original);
    const size = capabilities.maxPayloadBytes + 1;
    const error = await rejection(
      store.update(k, record({ version: 2, data: new Uint8Array(size) }), 1),
      'oversized update',
    );
    assertTooLarge(error, store, 'oversized update', size);
    const got = await mustGet(store, k, 'after an oversized update');
    expect(got.version).toBe(1);
    assertSameBytes(got.data, original.data);
    expect(got.expiresAt).toBe(original.expiresAt);
  },
};

/** After close(), every method rejects with a StoreClosedError tagged with the store. */
export const closedCheck: Check = {
  id: 'closed',
  title: 'after close(), every call rejects with StoreClosedError tagged with the store name',
  async run({ openStore, key, userId }) {
    const store = await openStore();
    const k = key();
    await store.create(k, record());
    await store.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['get', () => store.get(k)],
      ['create', () => store.create(key(), record())],
      ['update', () => store.update(k, record({ version: 2 }), 1)],
      ['touch', () => store.touch(k, Date.now() + 60_000)],
      ['delete', () => store.delete(k)],
    ];
    if (store.capabilities.userIndex) {
      calls.push(['listByUser', () => store.listByUser(userId())]);
      calls.push(['deleteByUser', () => store.deleteByUser(userId())]);
    }
    if (store.capabilities.scan) calls.push(['scan', () => store.scan!()]);
    for (const [name, call] of calls) {
      const error = await rejection(call(), `${name} after close()`);
      assertStoreError(error, store, `${name} after close()`, StoreClosedError);
    }
  },
};

/** Without a user index, the index methods reject with UnsupportedOperationError. */
export const unsupportedUserIndexCheck: Check = {
  id: 'unsupported-user-index',
  title: 'without a user index, listByUser and deleteByUser reject with UnsupportedOperationError',
  applies: (capabilities) => (capabilities.userIndex ? 'capabilities.userIndex is true' : undefined),
  async run({ store, userId }) {
    for (const [name, call] of [
      ['listByUser', () => store.listByUser(userId())],
      ['deleteByUser', () => store.deleteByUser(userId())],
    ] as const) {
      assertStoreError(await rejection(call(), name), store, name, UnsupportedOperationError);
    }
  },
};

/** Capabilities are well-formed. */
export const capabilitiesCheck: Check = {
  id: 'capabilities',
  title: 'capabilities are well-formed (positive integer granularity and payload limit, booleans; scan has its method)',
  async run({ store }) {
    const c = store.capabilities;
    expect(typeof store.name === 'string' && store.name.length > 0, 'store.name is a non-empty string').toBe(true);
    expect(typeof c.userIndex, 'userIndex').toBe('boolean');
    expect(typeof c.strongReads, 'strongReads').toBe('boolean');
    expect(Number.isSafeInteger(c.ttlGranularityMs) && c.ttlGranularityMs >= 1, 'ttlGranularityMs').toBe(true);
    expect(Number.isSafeInteger(c.maxPayloadBytes) && c.maxPayloadBytes >= 1, 'maxPayloadBytes').toBe(true);
    expect(c.scan === undefined || typeof c.scan === 'boolean', 'scan is a boolean or absent').toBe(true);
    if (c.scan) expect(typeof store.scan, 'with capabilities.scan, store.scan').toBe('function');
    if (c.maxSessionsPerUser !== undefined) {
      expect(Number.isSafeInteger(c.maxSessionsPerUser) && c.maxSessionsPerUser >= 1, 'maxSessionsPerUser').toBe(true);
    }
  },
};

/** Feature `errors`. */
export const errors: Feature = {
  id: 'errors',
  title: 'errors',
  checks: [capabilitiesCheck, tooLargeCreateCheck, tooLargeUpdateCheck, closedCheck, unsupportedUserIndexCheck],
};
