import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConflictError,
  ContentionError,
  MAX_IDLE_LANES,
  ManualClock,
  MemoryStore,
  SerializationError,
  type SessionData,
  SessionManager,
  type SessionManagerOptions,
  type SessionStore,
  WriteLanes,
} from '../src/index.js';
import { countingStore, overriding } from './helpers.js';

const MINUTE = 60_000;

function setup(options: Partial<SessionManagerOptions> = {}, store?: SessionStore) {
  const clock = new ManualClock(1_700_000_000_000);
  const counted = countingStore(store ?? new MemoryStore({ clock }));
  const manager = new SessionManager({
    store: counted,
    clock,
    idleTimeout: 30 * MINUTE,
    absoluteTimeout: 8 * 60 * MINUTE,
    ...options,
  });
  return { clock, store: counted, manager };
}

/** A stored session with `data`, and `count` handles loaded from it (as `count` concurrent requests would). */
async function loadedTwice(manager: SessionManager, data: SessionData, count = 2) {
  const session = manager.create();
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  await manager.commit(session);
  const handles = await Promise.all(Array.from({ length: count }, () => manager.load(session.id)));
  return { id: session.id, handles: handles.map((h) => h!) };
}

describe('concurrent commits to one session', () => {
  it('rejects a stale read-then-write with ConflictError and writes nothing of it', async () => {
    const { manager } = setup();
    const {
      id,
      handles: [a, b],
    } = await loadedTwice(manager, { n: 1, other: 'x' });
    a!.set('n', (a!.get('n') as number) + 1);
    b!.set('n', (b!.get('n') as number) + 1);
    b!.set('other', 'from b');
    expect(await manager.commit(a!)).toEqual({ status: 'updated' });
    const error = await manager.commit(b!).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).not.toBeInstanceOf(ContentionError);
    expect((error as ConflictError).code).toBe('CONFLICT');
    expect((error as ConflictError).attributes).toEqual(['n']);
    expect((error as Error).message).toContain('after this request read it');
    expect((await manager.load(id))!.toJSON(), 'nothing of the stale commit was written').toEqual({ n: 2, other: 'x' });
  });

  it('treats has() and toJSON() as reads, and a read of its own write as none', async () => {
    const { manager } = setup();
    const {
      handles: [a, b, c, d],
    } = await loadedTwice(manager, { n: 1 }, 4);
    a!.set('n', 10);
    await manager.commit(a!);
    b!.has('n');
    b!.set('n', 2);
    c!.toJSON();
    c!.unset('n');
    d!.set('n', 3); // blind ...
    d!.set('n', (d!.get('n') as number) + 1); // ... and reading back its own write depends on nothing stored
    expect([...b!.changes.values()]).toEqual([{ kind: 'set', value: 2, readFirst: true }]);
    expect([...c!.changes.values()]).toEqual([{ kind: 'unset', readFirst: true }]);
    expect([...d!.changes.values()]).toEqual([{ kind: 'set', value: 4, readFirst: false }]);
    await expect(manager.commit(b!)).rejects.toBeInstanceOf(ConflictError);
    await expect(manager.commit(c!)).rejects.toBeInstanceOf(ConflictError);
    expect(await manager.commit(d!)).toEqual({ status: 'updated' });
  });

  it('lets a blind write win by default, and the policy decide otherwise', async () => {
    const lww = setup();
    const {
      id,
      handles: [a, b],
    } = await loadedTwice(lww.manager, { flash: 'none' });
    a!.set('flash', 'from a');
    b!.set('flash', 'from b');
    await lww.manager.commit(a!);
    await lww.manager.commit(b!);
    expect((await lww.manager.load(id))!.get('flash')).toBe('from b');

    const seen: unknown[] = [];
    const custom = setup({
      conflicts: {
        readThenWrite: 'last-write-wins',
        attributes: {
          flash: (conflict) => {
            seen.push(conflict);
            return `${String(conflict.theirs)} + ${String(conflict.ours)}`;
          },
          locked: 'reject',
          kept: 'first-write-wins',
        },
      },
    });
    const two = await loadedTwice(custom.manager, { flash: 'none', n: 1, locked: 0, kept: 'stored' });
    const [x, y] = two.handles;
    x!.set('flash', 'x');
    x!.set('n', 5);
    x!.set('kept', 'x');
    y!.set('flash', 'y');
    y!.set('n', (y!.get('n') as number) + 1);
    y!.set('kept', 'y');
    await custom.manager.commit(x!);
    expect(await custom.manager.commit(y!)).toEqual({ status: 'updated' });
    expect((await custom.manager.load(two.id))!.toJSON()).toEqual({ flash: 'x + y', n: 2, locked: 0, kept: 'x' });
    expect(seen).toEqual([{ key: 'flash', kind: 'blind', base: 'none', ours: 'y', theirs: 'x' }]);

    const [p, q] = (await loadedTwice(custom.manager, { locked: 0 })).handles;
    p!.set('locked', 1);
    q!.set('locked', 2);
    await custom.manager.commit(p!);
    await expect(
      custom.manager.commit(q!),
      'the per-attribute policy overrides the blind default',
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('checks policies when the manager is made', () => {
    expect(() => setup({ conflicts: { readThenWrite: 'newest' as never } })).toThrow(ConfigurationError);
    expect(() => setup({ conflicts: { attributes: { cart: 'merge' as never } } })).toThrow(ConfigurationError);
    expect(() => setup({ retry: { timeoutMs: -1 } })).toThrow(ConfigurationError);
    expect(() => setup({ retry: { baseDelayMs: 50, maxDelayMs: 10 } })).toThrow(ConfigurationError);
  });

  it('re-applies Session.update to the winner value: no increment is lost', async () => {
    const { manager } = setup();
    const { id, handles } = await loadedTwice(manager, { cart: { book: 1 }, n: 0 }, 3);
    const [a, b, c] = handles;
    expect(a!.update('cart', (cart) => ({ ...(cart as object), pen: 1 }))).toEqual({ book: 1, pen: 1 });
    a!.update('n', (n) => (n as number) + 1);
    b!.update('cart', (cart) => ({
      ...(cart as Record<string, number>),
      book: ((cart as Record<string, number>).book ?? 0) + 1,
    }));
    b!.update('n', (n) => (n as number) + 1);
    c!.update('n', (n) => (n as number) + 1);
    c!.update('n', (n) => (n as number) * 10);
    await manager.commit(a!);
    await manager.commit(b!);
    await manager.commit(c!);
    expect((await manager.load(id))!.toJSON()).toEqual({ cart: { book: 2, pen: 1 }, n: 30 });
    expect(c!.get('n'), 'the request sees the merged result after its commit').toBe(30);
  });

  it('turns an update followed by a set into a read-then-write, and a set followed by an update into a new value', async () => {
    const { manager } = setup();
    const {
      handles: [a, b, c],
    } = await loadedTwice(manager, { n: 1 }, 3);
    a!.set('n', 100);
    await manager.commit(a!);
    b!.update('n', (n) => (n as number) + 1);
    b!.set('n', 0);
    expect([...b!.changes.values()]).toEqual([{ kind: 'set', value: 0, readFirst: true }]);
    await expect(manager.commit(b!)).rejects.toBeInstanceOf(ConflictError);
    c!.set('n', 5);
    c!.update('n', (n) => (n as number) + 1);
    expect([...c!.changes.values()]).toEqual([{ kind: 'set', value: 6, readFirst: false }]);
    expect(c!.update('n', () => undefined)).toBeUndefined();
    expect([...c!.changes.values()]).toEqual([{ kind: 'unset', readFirst: false }]);
  });

  it('refuses an updater that returns a promise', async () => {
    const { manager } = setup();
    const {
      handles: [a],
    } = await loadedTwice(manager, { n: 1 }, 1);
    expect(() => a!.update('n', (async () => 2) as never)).toThrow(/synchronous/);
  });

  it('fails only the request whose updater throws on replay', async () => {
    const { manager } = setup();
    const {
      id,
      handles: [a, b, c],
    } = await loadedTwice(manager, { n: 0 }, 3);
    a!.update('n', (n) => (n as number) + 1);
    b!.update('n', (n) => {
      if ((n as number) > 0) throw new RangeError('limit reached');
      return (n as number) + 1;
    });
    c!.update('n', (n) => (n as number) + 1);
    const results = await Promise.allSettled([manager.commit(a!), manager.commit(b!), manager.commit(c!)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
    expect((await manager.load(id))!.get('n')).toBe(2);
  });

  it('orders and batches the commits of one process: a burst costs about one compare-and-set per batch', async () => {
    const { manager, store } = setup();
    const { id, handles } = await loadedTwice(manager, { n: 0, log: [] }, 50);
    const before = { update: store.calls.update ?? 0, get: store.calls.get ?? 0 };
    for (const [i, handle] of handles.entries()) {
      handle.update('n', (n) => (n as number) + 1);
      handle.update('log', (log) => [...(log as number[]), i]);
    }
    const results = await Promise.all(handles.map((handle) => manager.commit(handle)));
    expect(results.every((r) => r.status === 'updated')).toBe(true);
    const stored = (await manager.load(id))!;
    expect(stored.get('n')).toBe(50);
    expect(stored.get('log'), 'applied in arrival order').toEqual(handles.map((_, i) => i));
    // The first commit runs alone; the 49 that queued meanwhile go as one batch.
    expect((store.calls.update ?? 0) - before.update).toBe(2);
    expect((store.calls.get ?? 0) - before.get - 1, 'no compare-and-set was lost, so nothing was re-read').toBe(0);
  });

  it('fails only the stale request of a batch and writes the rest', async () => {
    const { manager } = setup();
    const { id, handles } = await loadedTwice(manager, { n: 0, cart: [] }, 4);
    const [first, ...rest] = handles;
    first!.update('n', (n) => (n as number) + 1);
    rest[0]!.set('n', (rest[0]!.get('n') as number) + 100); // stale once the first commit landed
    rest[1]!.update('cart', (cart) => [...(cart as string[]), 'pen']);
    rest[2]!.set('note', 'blind');
    const results = await Promise.allSettled(handles.map((h) => manager.commit(h)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((await manager.load(id))!.toJSON()).toEqual({ n: 1, cart: ['pen'], note: 'blind' });
  });

  it('splits a batch whose merged session fails to encode, failing only the request that caused it', async () => {
    const { manager } = setup();
    const { id, handles } = await loadedTwice(manager, { n: 0 }, 4);
    const [first, ...rest] = handles;
    first!.update('n', (n) => (n as number) + 1);
    rest[0]!.update('n', (n) => (n as number) + 1);
    rest[1]!.set('bad', () => 'functions do not serialize');
    rest[2]!.update('n', (n) => (n as number) + 1);
    const results = await Promise.allSettled(handles.map((h) => manager.commit(h)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(SerializationError);
    expect((await manager.load(id))!.toJSON()).toEqual({ n: 3 });
  });

  it('never loses an update between managers (processes) racing on one store', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const shared = new MemoryStore({ clock });
    const managers = Array.from({ length: 3 }, () => setup({}, shared).manager);
    const { id } = await loadedTwice(managers[0]!, { n: 0, blind: 'x' }, 0);
    const results = await Promise.allSettled(
      Array.from({ length: 90 }, async (_, i) => {
        const manager = managers[i % 3]!;
        const session = (await manager.load(id))!;
        await new Promise((resolve) => setImmediate(resolve));
        session.update('n', (n) => (n as number) + 1);
        session.set('blind', `request ${i}`);
        return manager.commit(session);
      }),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect((await managers[1]!.load(id))!.get('n')).toBe(90);
  });

  it('gives up with ContentionError when other writers keep winning until the retry deadline', async () => {
    const inner = new MemoryStore({ clock: new ManualClock(1_700_000_000_000) });
    let updates = 0;
    const alwaysBeaten = overriding(inner, {
      update: async () => {
        updates++;
        return false;
      },
    });
    const { manager } = setup({ retry: { timeoutMs: 40, baseDelayMs: 1, maxDelayMs: 5 } }, alwaysBeaten);
    const {
      handles: [a],
    } = await loadedTwice(manager, { n: 0 }, 1);
    a!.update('n', (n) => (n as number) + 1);
    const started = performance.now();
    const error = await manager.commit(a!).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ContentionError);
    expect((error as ContentionError).code).toBe('CONTENTION');
    expect((error as ContentionError).retryable).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(updates, 'retried with backoff, not once').toBeGreaterThan(2);
  });

  it('reports a store that cannot settle a conditional write as ContentionError, not a 409 conflict', async () => {
    const inner = new MemoryStore({ clock: new ManualClock(1_700_000_000_000) });
    const racing = overriding(inner, {
      update: async () => Promise.reject(new ConflictError('kept racing', { store: 'sim', operation: 'update' })),
    });
    const { manager } = setup({}, racing);
    const {
      handles: [a],
    } = await loadedTwice(manager, { n: 0 }, 1);
    a!.set('n', 1);
    const error = await manager.commit(a!).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ContentionError);
    expect((error as Error).cause).toBeInstanceOf(ConflictError);
  });

  it('never recreates a session destroyed while a batch waited', async () => {
    const { manager } = setup();
    const { id, handles } = await loadedTwice(manager, { n: 0 }, 5);
    await manager.destroy(id);
    for (const handle of handles) handle.update('n', (n) => (n as number) + 1);
    const results = await Promise.all(handles.map((h) => manager.commit(h)));
    expect(results.map((r) => r.status)).toEqual(['gone', 'gone', 'gone', 'gone', 'gone']);
    expect(await manager.load(id)).toBeNull();
  });

  it('regenerates from the latest stored state: a change saved after this request loaded moves to the new ID', async () => {
    const { manager } = setup();
    const {
      handles: [other, login],
    } = await loadedTwice(manager, { cart: ['book'] });
    other!.update('cart', (cart) => [...(cart as string[]), 'pen']);
    await manager.commit(other!);
    login!.set('csrf', 'rotated');
    const next = await manager.regenerate(login!, { userId: 'ada' });
    expect(next.toJSON()).toEqual({ cart: ['book', 'pen'], csrf: 'rotated' });
    expect((await manager.load(next.id))!.toJSON()).toEqual({ cart: ['book', 'pen'], csrf: 'rotated' });
    expect(await manager.load(login!.id)).toBeNull();
  });

  it('runs update(id, fn) after the commits this process already queued', async () => {
    const { manager } = setup();
    const { id, handles } = await loadedTwice(manager, { log: [] }, 3);
    const order: string[] = [];
    for (const [i, handle] of handles.entries()) handle.update('log', (log) => [...(log as string[]), `commit ${i}`]);
    const commits = handles.map((h) => manager.commit(h).then(() => order.push('commit')));
    const whole = manager.update(id, (s) => {
      order.push('update');
      s.update('log', (log) => [...(log as string[]), 'whole']);
    });
    await Promise.all([...commits, whole]);
    expect(order).toEqual(['commit', 'commit', 'commit', 'update']);
    expect((await manager.load(id))!.get('log')).toEqual(['commit 0', 'commit 1', 'commit 2', 'whole']);
  });
});

describe('WriteLanes', () => {
  it('runs one batch at a time per key, batches what queued meanwhile, and forgets idle keys', async () => {
    const batches: Array<[string, number[]]> = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const lanes = new WriteLanes<{ value: number; reject(e: unknown): void }>(async (key, batch) => {
      batches.push([key, batch.map((entry) => entry.value)]);
      if (batches.length === 1) await gate;
    });
    const reject = () => undefined;
    lanes.submit('a', { value: 1, reject });
    lanes.submit('a', { value: 2, reject });
    lanes.submit('b', { value: 9, reject });
    lanes.submit('a', { value: 3, reject });
    expect(lanes.activeLanes).toBe(2);
    release();
    await lanes.exclusive('a', async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([
      ['a', [1]],
      ['b', [9]],
      ['a', [2, 3]],
    ]);
    expect(lanes.activeLanes).toBe(0);
  });

  it('keeps idle lanes for reuse but never more than MAX_IDLE_LANES', async () => {
    const lanes = new WriteLanes<{ reject(e: unknown): void }>(async () => undefined);
    for (let i = 0; i < MAX_IDLE_LANES * 2 + 10; i++) {
      lanes.submit(`key-${i}`, { reject: () => undefined });
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(lanes.activeLanes).toBe(0);
    expect(lanes.heldLanes).toBeLessThanOrEqual(MAX_IDLE_LANES + 100);
  });

  it('fails the entries of a batch whose runner throws, and keeps serving the key', async () => {
    const lanes = new WriteLanes<{ reject(e: unknown): void }>(async () => {
      throw new Error('runner broke');
    });
    const failed: unknown[] = [];
    lanes.submit('k', { reject: (e) => failed.push(e) });
    await expect(lanes.exclusive('k', async () => 'still served')).resolves.toBe('still served');
    expect(failed).toEqual([new Error('runner broke')]);
  });
});
