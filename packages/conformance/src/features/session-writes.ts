/**
 * `session writes`: a {@link SessionManager} on the store under test writes only when needed and never loses
 * a concurrent change: anonymous visits store nothing, touches are throttled, commits racing from several
 * processes (managers) merge disjoint keys, re-apply `Session.update` functions and reject stale
 * read-then-writes, `update()` counters lose no increment, a destroyed session is not recreated.
 *
 * The manager runs with a {@link ManualClock} that starts at the wall clock and only moves forward by seconds,
 * while its timeouts are long, so every deadline it hands the store stays in the real future.
 *
 * @module
 */

import type { SessionManagerOptions } from '@sessionkit/core';
import { ConflictError, generateSessionId, ManualClock, SessionManager } from '@sessionkit/core';
import { expect } from 'vitest';
import type { CountingStore } from '../counting-store.js';
import { countingStore } from '../counting-store.js';
import type { Check, CheckContext, Feature } from '../types.js';

const MINUTE = 60_000;

/** A manager over a counting wrapper of the store under test; every key it creates is cleaned up afterwards. */
export function managerFor(
  context: CheckContext,
  options: Partial<SessionManagerOptions> = {},
): { manager: SessionManager; store: CountingStore; clock: ManualClock } {
  const store = countingStore(context.store, (key) => context.track(key));
  const clock = new ManualClock(Date.now());
  const manager = new SessionManager({
    store,
    clock,
    idleTimeout: 30 * MINUTE,
    absoluteTimeout: 2 * 60 * MINUTE,
    touchAfter: MINUTE,
    ...options,
  });
  return { manager, store, clock };
}

/** Anonymous visitors cost no write: nothing is stored for a session that was never written. */
export const anonymousWritesNothingCheck: Check = {
  id: 'anonymous-writes-nothing',
  title: 'anonymous sessions are never stored: commit of an unwritten session is skipped with 0 store calls',
  async run(context) {
    const { manager, store } = managerFor(context);
    const s = manager.create();
    expect(s.get('cart'), 'reading an attribute of a new session').toBeUndefined();
    expect((await manager.commit(s)).status).toBe('skipped');
    expect(store.calls(), 'store calls for an anonymous read + commit').toBe(0);
    expect(await context.store.get(s.key), 'record for an anonymous session').toBeNull();
    expect(await manager.load(generateSessionId()), 'load of an unknown ID').toBeNull();
    expect(store.writes(), 'writes after loading an unknown ID').toBe(0);
    store.reset();
    expect(await manager.load('not-a-session-id'), 'load of a malformed ID').toBeNull();
    expect(store.calls(), 'store calls for a malformed ID').toBe(0);
  },
};

/** Within touchAfter, loads and commits of an unchanged session cost no write; after it, exactly one touch. */
export const touchThrottledCheck: Check = {
  id: 'touch-throttled',
  title: 'N loads + commits within touchAfter cost 0 writes; one after touchAfter costs exactly 1 touch',
  async run(context) {
    const { manager, store, clock } = managerFor(context, { touchAfter: MINUTE });
    const s = manager.create();
    s.set('visits', 1);
    expect((await manager.commit(s)).status).toBe('created');
    store.reset();
    for (let i = 0; i < 10; i++) {
      clock.advance(5_000); // 50 s in all: below touchAfter
      const loaded = await manager.load(s.id);
      expect(loaded?.get('visits'), `load ${i}`).toBe(1);
      expect((await manager.commit(loaded!)).status, `commit ${i} within touchAfter`).toBe('unchanged');
    }
    expect(store.writes(), 'writes for 10 loads + commits within touchAfter').toBe(0);
    expect(store.counts.get, 'reads').toBe(10);
    clock.advance(15_000); // 65 s since the last write: past touchAfter
    const due = await manager.load(s.id);
    expect((await manager.commit(due!)).status, 'commit after touchAfter').toBe('touched');
    expect(store.writes(), 'writes after touchAfter').toBe(1);
    expect(store.counts.touch, 'touches after touchAfter').toBe(1);
    const stored = await context.store.get(s.key);
    expect(stored?.expiresAt, 'stored deadline after the touch').toBe(clock.now() + 30 * MINUTE);
    expect(stored?.version, 'a touch keeps the version').toBe(1);
  },
};

/**
 * `count` managers over this store, sharing one clock: each stands for one app process (its own write lanes),
 * so their commits race each other on the store's compare-and-set as separate processes' would.
 */
export function processesFor(context: CheckContext, count: number): SessionManager[] {
  const { manager, store, clock } = managerFor(context);
  const others = Array.from(
    { length: count - 1 },
    () =>
      new SessionManager({
        store,
        clock,
        idleTimeout: 30 * MINUTE,
        absoluteTimeout: 2 * 60 * MINUTE,
        touchAfter: MINUTE,
      }),
  );
  return [manager, ...others];
}

/** One session, `writers` requests spread over `processes` that each loaded it, ready to change it. */
async function loadedByConcurrentRequests(context: CheckContext, initial: Record<string, unknown>) {
  const writers = Math.min(12, context.concurrency);
  const processes = processesFor(context, 3);
  const s = processes[0]!.create();
  for (const [key, value] of Object.entries(initial)) s.set(key, value);
  await processes[0]!.commit(s);
  const requests = await Promise.all(
    Array.from({ length: writers }, async (_, i) => {
      const manager = processes[i % processes.length]!;
      return { manager, session: (await manager.load(s.id))! };
    }),
  );
  return { id: s.id, processes, requests, writers };
}

/** Requests in several processes change different keys of one session at the same time: every change survives. */
export const disjointCommitsCheck: Check = {
  id: 'disjoint-commits',
  title:
    'concurrent commits from 3 processes that change different keys all survive (3-way merge over compare-and-set)',
  async run(context) {
    const { id, processes, requests, writers } = await loadedByConcurrentRequests(context, { base: 'kept' });
    for (const [i, { session }] of requests.entries()) session.set(`k${i}`, i);
    const results = await Promise.all(requests.map(({ manager, session }) => manager.commit(session)));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: writers }, () => 'updated'));
    const final = await processes[1]!.load(id, { consistency: 'strong' });
    expect(final?.get('base')).toBe('kept');
    for (let i = 0; i < writers; i++) expect(final?.get(`k${i}`), `key k${i}`).toBe(i);
  },
};

/** `Session.update(key, fn)` from several processes: every increment is counted (re-applied on a lost race). */
export const attributeUpdateCheck: Check = {
  id: 'attribute-update',
  title: 'concurrent Session.update(key, fn) from 3 processes loses no increment and no list item',
  async run(context) {
    const { id, processes, requests, writers } = await loadedByConcurrentRequests(context, { n: 0, items: [] });
    requests.forEach(({ session }, i) => {
      session.update('n', (n) => (n as number) + 1);
      session.update('items', (items) => [...(items as number[]), i]);
    });
    const results = await Promise.all(requests.map(({ manager, session }) => manager.commit(session)));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: writers }, () => 'updated'));
    const final = await processes[2]!.load(id, { consistency: 'strong' });
    expect(final?.get('n'), 'increments').toBe(writers);
    expect(final, 'the session after the commits').not.toBeNull();
    expect(
      [...(final!.get('items') as number[])].sort((a, b) => a - b),
      'list items',
    ).toEqual(Array.from({ length: writers }, (_, i) => i));
  },
};

/**
 * A naive read-then-write (`set('n', get('n') + 1)`) from several processes: the stale ones fail with a
 * `ConflictError` and every acknowledged one is counted: never a silently lost increment.
 */
export const staleReadThenWriteCheck: Check = {
  id: 'stale-read-then-write',
  title:
    'a stale read-then-write from 3 processes fails with ConflictError; the final value equals the commits acknowledged',
  async run(context) {
    const { id, processes, requests } = await loadedByConcurrentRequests(context, { n: 0 });
    for (const { session } of requests) session.set('n', (session.get('n') as number) + 1);
    const results = await Promise.allSettled(requests.map(({ manager, session }) => manager.commit(session)));
    const acknowledged = results.filter((r) => r.status === 'fulfilled').length;
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason, 'a rejected commit').toBeInstanceOf(ConflictError);
      else expect(r.value.status).toBe('updated');
    }
    // Every request loaded the same version before any commit: exactly one compare-and-set over it can win,
    // and every other commit finds `n` changed since its read.
    expect(acknowledged, 'commits acknowledged').toBe(1);
    expect((await processes[0]!.load(id, { consistency: 'strong' }))?.get('n'), 'final value').toBe(acknowledged);
  },
};

/** `update(id, fn)` is an atomic read-modify-write: concurrent increments from several processes are all counted. */
export const atomicUpdateCheck: Check = {
  id: 'atomic-update',
  title: 'concurrent update(id, fn) increments from 3 processes lose nothing',
  async run(context) {
    const writers = Math.min(10, context.concurrency);
    const processes = processesFor(context, 3);
    const s = processes[0]!.create();
    s.set('n', 0);
    await processes[0]!.commit(s);
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        processes[i % 3]!.update(s.id, (x) => x.set('n', ((x.get('n') as number) ?? 0) + 1)),
      ),
    );
    expect((await processes[1]!.load(s.id, { consistency: 'strong' }))?.get('n')).toBe(writers);
  },
};

/** A session destroyed while a request held it is not brought back by that request's commit. */
export const destroyedNotRecreatedCheck: Check = {
  id: 'destroyed-not-recreated',
  title: 'a session destroyed meanwhile is not recreated by a later commit or touch ("gone")',
  async run(context) {
    const { manager, clock } = managerFor(context);
    const s = manager.create();
    s.set('a', 1);
    await manager.commit(s);
    const changed = await manager.load(s.id);
    const untouched = await manager.load(s.id);
    expect(await manager.destroy(s.id), 'destroy').toBe(true);
    changed!.set('a', 2);
    expect((await manager.commit(changed!)).status, 'commit of changes to a destroyed session').toBe('gone');
    clock.advance(2 * MINUTE);
    expect((await manager.commit(untouched!)).status, 'due touch of a destroyed session').toBe('gone');
    expect(await manager.load(s.id), 'load after destroy').toBeNull();
    expect(await context.store.get(s.key), 'record after destroy').toBeNull();
  },
};

/** Feature `session-writes`. */
export const sessionWrites: Feature = {
  id: 'session-writes',
  title: 'session writes (SessionManager on this store)',
  checks: [
    anonymousWritesNothingCheck,
    touchThrottledCheck,
    disjointCommitsCheck,
    attributeUpdateCheck,
    staleReadThenWriteCheck,
    atomicUpdateCheck,
    destroyedNotRecreatedCheck,
  ],
};
