/**
 * `session lifecycle`: a {@link SessionManager} on the store under test regenerates IDs with the old one dead
 * at once, enforces the absolute timeout over the sliding one in real time, and manages a user's sessions.
 *
 * @module
 */

import { SessionManager } from '@sessionkit/core';
import { expect } from 'vitest';
import { countingStore } from '../counting-store.js';
import { sleep, sleepUntil } from '../helpers.js';
import type { Check, Feature } from '../types.js';
import { managerFor } from './session-writes.js';
import { userIndexRequirement } from './user-index.js';

/** Regenerate: new ID, data kept, old ID dead when the call resolves. */
export const regenerateCheck: Check = {
  id: 'regenerate',
  title: 'regenerate gives a new ID with the data kept, and the old ID is dead at once',
  async run(context) {
    const { manager } = managerFor(context);
    const s = manager.create();
    s.set('cart', ['book']);
    await manager.commit(s);
    const loaded = await manager.load(s.id);
    const next = await manager.regenerate(loaded!);
    expect(next.id, 'new ID').not.toBe(s.id);
    expect(next.key, 'new key').not.toBe(s.key);
    expect(await manager.load(s.id), 'load by the old ID').toBeNull();
    expect(await manager.load(s.id, { consistency: 'strong' }), "load('strong') by the old ID").toBeNull();
    expect(await context.store.get(s.key), 'record under the old key').toBeNull();
    expect((await manager.load(next.id))?.get('cart'), 'data under the new ID').toEqual(['book']);
    const empty = await manager.regenerate(next, { keepData: false });
    expect(await manager.load(next.id), 'the second old ID').toBeNull();
    const reloaded = await manager.load(empty.id);
    expect(reloaded?.get('cart'), 'data after keepData: false').toBeUndefined();
  },
};

/** Login through regenerate sets the owner and the per-user index follows the new key only. */
export const loginCheck: Check = {
  id: 'login',
  title: 'regenerate with userId (login) stores the owner; listForUser shows the new key, not the old one',
  applies: userIndexRequirement,
  async run(context) {
    const { manager } = managerFor(context);
    const user = context.userId();
    const anonymous = manager.create();
    anonymous.set('cart', ['pen']);
    await manager.commit(anonymous);
    const loggedIn = await manager.regenerate((await manager.load(anonymous.id))!, { userId: user });
    expect(loggedIn.userId).toBe(user);
    expect((await manager.load(loggedIn.id))?.userId, 'owner after reload').toBe(user);
    expect((await manager.listForUser(user)).map((i) => i.key)).toEqual([loggedIn.key]);
  },
};

/** Logout everywhere except here. */
export const destroyAllExceptCheck: Check = {
  id: 'destroy-all-except',
  title: 'destroyAllForUser(userId, { except }) destroys the other sessions of that user only',
  applies: userIndexRequirement,
  async run(context) {
    const { manager } = managerFor(context);
    const user = context.userId();
    const other = context.userId();
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push(await manager.regenerate(manager.create(), { userId: user }));
    const theirs = await manager.regenerate(manager.create(), { userId: other });
    const [current, ...rest] = sessions;
    expect(await manager.destroyAllForUser(user, { except: current! }), 'destroyed count').toBe(rest.length);
    expect((await manager.listForUser(user)).map((i) => i.key)).toEqual([current!.key]);
    for (const s of rest) expect(await manager.load(s.id), 'a destroyed session').toBeNull();
    expect(await manager.load(current!.id), 'the kept session').not.toBeNull();
    expect(await manager.load(theirs.id), "another user's session").not.toBeNull();
  },
};

/** Real time: a session used all the time still dies at createdAt + absoluteTimeout, in the manager and the store. */
export const absoluteTimeoutCheck: Check = {
  id: 'absolute-timeout',
  title: 'absolute timeout wins over sliding: an active session dies at createdAt + absoluteTimeout',
  async run(context) {
    const { shortTtlMs, slackMs } = context.timings;
    const absoluteTimeout = 2 * shortTtlMs;
    const store = countingStore(context.store, (key) => context.track(key));
    // System clock: the store's own expiry is exercised too. touchAfter 1 ms: every commit slides the deadline.
    const manager = new SessionManager({ store, idleTimeout: 60 * 60_000, absoluteTimeout, touchAfter: 1 });
    const s = manager.create();
    s.set('active', true);
    await manager.commit(s);
    const hardDeadline = s.createdAt + absoluteTimeout;
    expect(s.expiresAt, 'first deadline: min(idle, absolute)').toBe(hardDeadline);
    while (Date.now() < hardDeadline - Math.max(slackMs, shortTtlMs / 4)) {
      const loaded = await manager.load(s.id);
      // A load that only returned at or after the deadline (a stalled event loop, a slow round trip) may
      // rightly find the session dead; one that returned before it must not.
      if (loaded === null && Date.now() >= hardDeadline) break;
      expect(loaded, `load ${hardDeadline - Date.now()} ms before the absolute deadline`).not.toBeNull();
      await manager.commit(loaded!);
      expect(loaded!.expiresAt, 'the sliding deadline never passes the absolute one').toBeLessThanOrEqual(hardDeadline);
      await sleep(Math.max(1, Math.floor(shortTtlMs / 8)));
    }
    await sleepUntil(hardDeadline + slackMs);
    expect(await manager.load(s.id), 'load after createdAt + absoluteTimeout').toBeNull();
    expect(await context.store.get(s.key), 'stored record after createdAt + absoluteTimeout').toBeNull();
  },
};

/** Feature `session-lifecycle`. */
export const sessionLifecycle: Feature = {
  id: 'session-lifecycle',
  title: 'session lifecycle (SessionManager on this store)',
  concurrent: true,
  checks: [regenerateCheck, loginCheck, destroyAllExceptCheck, absoluteTimeoutCheck],
};
