/**
 * `concurrency`: conditional writes are atomic on the backend. Many writers race on one key; exactly one
 * wins each round, and a delete racing writes always wins for good.
 *
 * @module
 */
import { expect } from 'vitest';
import { allOrThrow, assertSameBytes, mustGet, mustMiss, randomData, record, shuffle } from '../helpers.js';
import type { Check, Feature } from '../types.js';

const ROUNDS = 3;
const DELETE_RACE_LOOPS = 20;

/** `concurrency` writers update from the same version: exactly one wins, and its write is the one stored. */
export const oneWinnerPerVersionCheck: Check = {
  id: 'one-winner-per-version',
  title: 'concurrent updates at the same expected version: exactly one winner per version',
  async run({ store, key, concurrency }) {
    const k = key();
    await store.create(k, record());
    for (let v = 1; v <= ROUNDS; v++) {
      const attempts = Array.from({ length: concurrency }, () => record({ version: v + 1 }));
      const results = await allOrThrow(
        attempts.map((s) => store.update(k, s, v)),
        `round ${v}: concurrent update`,
      );
      const winners = results.flatMap((ok, i) => (ok ? [i] : []));
      expect(winners.length, `winners of version ${v} -> ${v + 1} among ${concurrency} writers`).toBe(1);
      const got = await mustGet(store, k);
      expect(got.version).toBe(v + 1);
      assertSameBytes(got.data, (attempts[winners[0] as number] as { data: Uint8Array }).data, "the winner's data");
    }
  },
};

/** `concurrency` creates race on a fresh key: exactly one wins, and its record is the one stored. */
export const oneCreateWinsCheck: Check = {
  id: 'one-create-wins',
  title: 'concurrent creates on one key: exactly one wins',
  async run({ store, key, concurrency }) {
    for (let round = 0; round < ROUNDS; round++) {
      const k = key();
      const attempts = Array.from({ length: concurrency }, () => record());
      const results = await allOrThrow(
        attempts.map((s) => store.create(k, s)),
        'concurrent create',
      );
      const winners = results.flatMap((ok, i) => (ok ? [i] : []));
      expect(winners.length, `winners among ${concurrency} concurrent creates`).toBe(1);
      const got = await mustGet(store, k);
      expect(got.version).toBe(1);
      assertSameBytes(got.data, (attempts[winners[0] as number] as { data: Uint8Array }).data, "the winner's data");
    }
  },
};

/** A delete racing updates and touches leaves the record dead, every time. */
export const deleteRacingWritesCheck: Check = {
  id: 'delete-racing-writes',
  title: `a delete racing updates and touches never leaves the record alive (${DELETE_RACE_LOOPS} loops)`,
  async run({ store, key, userId, capabilities, concurrency }) {
    const owner = userId();
    const writers = Math.max(2, Math.floor(concurrency / 5));
    for (let loop = 0; loop < DELETE_RACE_LOOPS; loop++) {
      const k = key();
      await store.create(k, record({ userId: owner }));
      const later = Date.now() + 30 * 60_000;
      const ops: (() => Promise<boolean>)[] = [() => store.delete(k)];
      for (let i = 0; i < writers; i++) {
        ops.push(() => store.update(k, record({ version: 2, userId: owner }), 1));
        ops.push(() => store.touch(k, later + i));
      }
      const order = shuffle(ops.map((op, i) => ({ op, isDelete: i === 0 })));
      const results = await allOrThrow(
        order.map(({ op }) => op()),
        `loop ${loop}: racing operations`,
      );
      const deleteResult = results[order.findIndex((o) => o.isDelete)];
      expect(deleteResult, `loop ${loop}: delete of a live record`).toBe(true);
      await mustMiss(store, k, `in loop ${loop} after a delete raced updates and touches`);
      if (capabilities.userIndex) {
        const listed = (await store.listByUser(owner)).map((e) => e.key);
        expect(listed, `loop ${loop}: listByUser after the race`).not.toContain(k);
      }
    }
  },
};

/** A touch racing an update never rolls the update back (no read-then-write touch). */
export const touchRacingUpdateCheck: Check = {
  id: 'touch-racing-update',
  title: 'a touch racing an update never loses the update',
  async run({ store, key }) {
    for (let loop = 0; loop < DELETE_RACE_LOOPS; loop++) {
      const k = key();
      await store.create(k, record());
      const next = record({ version: 2, data: randomData(48) });
      const touchAt = Date.now() + 30 * 60_000;
      // The update starts first, second and third in turn, so a touch sometimes reads before the update and
      // writes after it, in a third of the loops for sure. (A random order skipped the update-last start, the
      // one that exposes a read-then-write touch, in all 20 loops with probability (2/3)^20.)
      const ops = [
        { isUpdate: false, op: () => store.touch(k, touchAt) },
        { isUpdate: false, op: () => store.touch(k, touchAt + 1) },
      ];
      ops.splice(loop % 3, 0, { isUpdate: true, op: () => store.update(k, next, 1) });
      const results = await allOrThrow(
        ops.map(({ op }) => op()),
        `loop ${loop}: update racing touches`,
      );
      expect(results[ops.findIndex((o) => o.isUpdate)], `loop ${loop}: update`).toBe(true);
      const got = await mustGet(store, k);
      expect(got.version, `loop ${loop}: version`).toBe(2);
      assertSameBytes(got.data, next.data, `loop ${loop}: data after update racing touches`);
    }
  },
};

/** Feature `concurrency`. */
export const concurrency: Feature = {
  id: 'concurrency',
  title: 'concurrency',
  checks: [oneWinnerPerVersionCheck, oneCreateWinsCheck, deleteRacingWritesCheck, touchRacingUpdateCheck],
};
