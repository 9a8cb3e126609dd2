/**
 * `isolation`: two stores with different prefixes never see each other's keys or users.
 *
 * @module
 */
import { expect } from 'vitest';
import { assertSameBytes, mustGet, mustMiss, record } from '../helpers.js';
import type { Check, Feature } from '../types.js';
import { userIndexRequirement } from './user-index.js';

/** Same key, two prefixes: two independent records. */
export const keysCheck: Check = {
  id: 'keys',
  title: 'the same key under two prefixes holds two independent records',
  async run({ store: a, key, openStore }) {
    const b = await openStore();
    const k = key();
    const inA = record();
    await a.create(k, inA);
    await mustMiss(b, k, 'in the other prefix');
    expect(await b.touch(k, Date.now() + 60_000), 'touch through the other prefix').toBe(false);
    expect(await b.update(k, record({ version: 2 }), 1), 'update through the other prefix').toBe(false);
    expect(await b.delete(k), 'delete through the other prefix').toBe(false);
    const inB = record();
    expect(await b.create(k, inB), 'create of the same key in the other prefix').toBe(true);
    assertSameBytes((await mustGet(a, k)).data, inA.data, 'data in the first prefix');
    assertSameBytes((await mustGet(b, k)).data, inB.data, 'data in the other prefix');
    await a.delete(k);
    await mustGet(b, k, 'in the other prefix after deleting it in the first');
    await b.delete(k);
  },
};

/** Same user, two prefixes: two independent indexes. */
export const usersCheck: Check = {
  id: 'users',
  title: 'the per-user index is per prefix: listByUser and deleteByUser see only their own store',
  applies: userIndexRequirement,
  async run({ store: a, key, userId, openStore }) {
    const b = await openStore();
    const user = userId();
    const inA = key();
    const inB = key();
    await a.create(inA, record({ userId: user }));
    await b.create(inB, record({ userId: user }));
    expect((await a.listByUser(user)).map((e) => e.key)).toEqual([inA]);
    expect((await b.listByUser(user)).map((e) => e.key)).toEqual([inB]);
    expect(await a.deleteByUser(user), 'deleteByUser in the first prefix').toBe(1);
    await mustGet(b, inB, 'in the other prefix after deleteByUser in the first');
    expect(await b.deleteByUser(user)).toBe(1);
  },
};

/** Feature `isolation`. */
export const isolation: Feature = {
  id: 'isolation',
  title: 'isolation',
  checks: [keysCheck, usersCheck],
};
