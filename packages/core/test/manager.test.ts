import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConflictError,
  generateSessionId,
  hashSessionId,
  ManualClock,
  MemoryStore,
  PayloadTooLargeError,
  SerializationError,
  type Session,
  type SessionEvents,
  SessionLimitError,
  SessionManager,
  type SessionStore,
  StoreUnavailableError,
} from '../src/index.js';
import { countingStore } from './helpers.js';

const MINUTE = 60_000;

function setup(options: Partial<ConstructorParameters<typeof SessionManager>[0]> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const store = countingStore(new MemoryStore({ clock }));
  const manager = new SessionManager({
    store,
    clock,
    idleTimeout: 30 * MINUTE,
    absoluteTimeout: 8 * 60 * MINUTE,
    touchAfter: MINUTE,
    ...options,
  });
  const events: Array<[keyof SessionEvents, unknown]> = [];
  for (const name of ['created', 'regenerated', 'destroyed', 'expired', 'conflict', 'corrupt', 'storeError'] as const) {
    manager.on(name, (payload) => events.push([name, payload]));
  }
  return { clock, store, manager, events };
}

describe('SessionManager', () => {
  it('requires both timeouts', () => {
    expect(() => new SessionManager({ idleTimeout: 0, absoluteTimeout: 1 })).toThrow(ConfigurationError);
    expect(() => new SessionManager({ absoluteTimeout: 1 } as never)).toThrow(ConfigurationError);
  });

  it('stores nothing for anonymous sessions', async () => {
    const { manager, store } = setup();
    const session = manager.create();
    expect(session.get('anything')).toBeUndefined();
    expect(await manager.commit(session)).toEqual({ status: 'skipped' });
    expect(store.calls).toEqual({});
  });

  it('creates, loads and saves only changed sessions', async () => {
    const { manager, store, events } = setup();
    const session = manager.create();
    session.set('cart', ['apple']);
    expect(await manager.commit(session)).toEqual({ status: 'created' });
    expect(events).toContainEqual(['created', { key: session.key, userId: undefined }]);
    const loaded = await manager.load(session.id);
    expect(loaded?.get('cart')).toEqual(['apple']);
    expect(loaded?.key).toBe(hashSessionId(session.id));
    expect(await manager.commit(loaded!)).toEqual({ status: 'unchanged' });
    loaded!.set('cart', ['apple', 'pear']);
    expect(await manager.commit(loaded!)).toEqual({ status: 'updated' });
    expect((await manager.load(session.id))?.get('cart')).toEqual(['apple', 'pear']);
    expect(store.calls.update).toBe(1);
  });

  it('never lets a malformed or oversized ID reach the store', async () => {
    const { manager, store } = setup();
    const id = generateSessionId();
    for (const bad of [
      '',
      'short',
      `${id}x`,
      id.slice(1),
      'a'.repeat(10_000),
      `${id.slice(0, 42)}%`,
      123,
      null,
      undefined,
    ]) {
      expect(await manager.load(bad)).toBeNull();
      expect(await manager.destroy(bad as string)).toBe(false);
    }
    expect(store.calls).toEqual({});
    expect(await manager.load(id)).toBeNull(); // well-formed but unknown: one lookup, no session
    expect(store.calls).toEqual({ get: 1 });
  });

  it('throttles touches: reads within touchAfter cost no write', async () => {
    const { manager, store, clock } = setup();
    const session = manager.create();
    session.set('n', 1);
    await manager.commit(session);
    const writesAfterCreate = store.writes();
    for (let i = 0; i < 10; i++) {
      clock.advance(5_000);
      const loaded = await manager.load(session.id);
      expect(await manager.commit(loaded!)).toEqual({ status: 'unchanged' });
    }
    expect(store.writes()).toBe(writesAfterCreate);
    clock.advance(11_000); // 61 s after the create: the deadline would move by more than touchAfter
    const loaded = await manager.load(session.id);
    expect(await manager.commit(loaded!)).toEqual({ status: 'touched' });
    expect(store.writes()).toBe(writesAfterCreate + 1);
    expect(store.calls.touch).toBe(1);
  });

  it('hasWorkToCommit tells, without a store call, whether commit would write', async () => {
    const { manager, store, clock } = setup({ idleTimeout: 10 * MINUTE, absoluteTimeout: 20 * MINUTE });
    const fresh = manager.create();
    expect(manager.hasWorkToCommit(fresh), 'new').toBe(true);
    fresh.set('n', 1);
    await manager.commit(fresh);
    const loaded = (await manager.load(fresh.id))!;
    const writes = store.writes();
    expect(manager.hasWorkToCommit(loaded), 'unchanged, touch not due').toBe(false);
    expect(await manager.commit(loaded)).toEqual({ status: 'unchanged' });
    expect(store.writes(), 'and commit indeed wrote nothing').toBe(writes);
    loaded.set('n', 2);
    expect(manager.hasWorkToCommit(loaded), 'modified').toBe(true);
    await manager.commit(loaded);
    clock.advance(MINUTE + 1);
    const due = (await manager.load(fresh.id))!;
    expect(manager.hasWorkToCommit(due), 'touch due').toBe(true);
    expect(await manager.commit(due)).toEqual({ status: 'touched' });
    clock.advance(9 * MINUTE);
    const late = (await manager.load(fresh.id))!;
    clock.advance(10 * MINUTE); // past the absolute deadline while the request runs
    expect(manager.hasWorkToCommit(late), 'expired meanwhile: commit reports gone').toBe(true);
    expect(await manager.commit(late)).toEqual({ status: 'gone' });
  });

  it('slides the idle deadline but the absolute timeout wins', async () => {
    const { manager, clock } = setup({ idleTimeout: 10 * MINUTE, absoluteTimeout: 25 * MINUTE });
    const session = manager.create();
    session.set('x', 1);
    await manager.commit(session);
    for (let i = 0; i < 4; i++) {
      clock.advance(5 * MINUTE);
      const loaded = await manager.load(session.id);
      expect(loaded).not.toBeNull();
      await manager.commit(loaded!);
    }
    clock.advance(5 * MINUTE); // 25 minutes since creation: active, but past the absolute cap
    expect(await manager.load(session.id)).toBeNull();
    const idle = manager.create();
    idle.set('x', 1);
    await manager.commit(idle);
    clock.advance(10 * MINUTE);
    expect(await manager.load(idle.id)).toBeNull();
  });

  it('merges disjoint concurrent commits and applies the same-key policy', async () => {
    for (const [policy, expected] of [
      ['last-write-wins', 'b'],
      ['first-write-wins', 'a'],
    ] as const) {
      const { manager, events } = setup({ conflicts: { blindWrite: policy } });
      const session = manager.create();
      session.set('base', 0);
      await manager.commit(session);
      const first = (await manager.load(session.id))!;
      const second = (await manager.load(session.id))!;
      first.set('left', 1);
      first.set('same', 'a');
      second.set('right', 2);
      second.set('same', 'b');
      expect(await manager.commit(first)).toEqual({ status: 'updated' });
      expect(await manager.commit(second)).toEqual({ status: 'updated' });
      const merged = (await manager.load(session.id))!;
      expect(merged.toJSON()).toEqual({ base: 0, left: 1, right: 2, same: expected });
      expect(events).toContainEqual(['conflict', expect.objectContaining({ key: session.key, keys: ['same'] })]);
    }
  });

  it('rejects same-key blind conflicts under the reject policy and resolves with a custom function', async () => {
    const { manager } = setup({ conflicts: { blindWrite: 'reject' } });
    const session = manager.create();
    session.set('n', 1);
    await manager.commit(session);
    const a = (await manager.load(session.id))!;
    const b = (await manager.load(session.id))!;
    a.set('n', 2);
    b.set('n', 3);
    await manager.commit(a);
    await expect(manager.commit(b)).rejects.toBeInstanceOf(ConflictError);

    const sum = setup({
      conflicts: { blindWrite: ({ base, ours, theirs }) => (theirs as number) + (ours as number) - (base as number) },
    });
    const s = sum.manager.create();
    s.set('n', 10);
    await sum.manager.commit(s);
    const x = (await sum.manager.load(s.id))!;
    const y = (await sum.manager.load(s.id))!;
    x.set('n', 11);
    y.set('n', 15);
    await sum.manager.commit(x);
    await sum.manager.commit(y);
    expect((await sum.manager.load(s.id))!.get('n')).toBe(16);
  });

  it('update() calls in one process are ordered: each runs once and none is lost', async () => {
    const { manager, store } = setup();
    const session = manager.create();
    session.set('count', 0);
    await manager.commit(session);
    const runs: number[] = [];
    const updatesBefore = store.calls.update ?? 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        manager.update(session.id, async (s) => {
          runs.push(i);
          await new Promise((resolve) => setImmediate(resolve));
          s.set('count', (s.get('count') as number) + 1);
        }),
      ),
    );
    expect((await manager.load(session.id))!.get('count')).toBe(20);
    expect(runs, 'no mutate ran twice: nothing in this process raced it').toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect((store.calls.update ?? 0) - updatesBefore).toBe(20);
    expect(await manager.update(generateSessionId(), () => undefined)).toBeNull();
    expect(await manager.update('not an id', () => undefined)).toBeNull();
  });

  it('update() across managers (processes) on one store never loses an increment', async () => {
    const { manager, store, clock } = setup();
    const other = new SessionManager({ store, clock, idleTimeout: 30 * MINUTE, absoluteTimeout: 8 * 60 * MINUTE });
    const session = manager.create();
    session.set('count', 0);
    await manager.commit(session);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? manager : other).update(session.id, async (s) => {
          await new Promise((resolve) => setImmediate(resolve));
          s.set('count', (s.get('count') as number) + 1);
        }),
      ),
    );
    expect((await manager.load(session.id))!.get('count')).toBe(40);
  });

  it('never recreates a session destroyed while a commit was in flight', async () => {
    const { manager } = setup();
    const session = manager.create();
    session.set('x', 1);
    await manager.commit(session);
    const stale = (await manager.load(session.id))!;
    const idle = (await manager.load(session.id))!;
    await manager.destroy(session.id);
    stale.set('x', 2);
    expect(await manager.commit(stale)).toEqual({ status: 'gone' });
    expect(await manager.commit(idle)).toEqual({ status: 'unchanged' });
    expect(await manager.load(session.id)).toBeNull();
  });

  it('regenerate gives a new ID, keeps data, and kills the old ID at once', async () => {
    const { manager, events, clock } = setup();
    const session = manager.create();
    session.set('cart', [1]);
    await manager.commit(session);
    clock.advance(MINUTE);
    const next = await manager.regenerate(session, { userId: 'alice' });
    expect(next.id).not.toBe(session.id);
    expect(session.destroyed).toBe(true);
    expect(await manager.load(session.id)).toBeNull();
    const loaded = (await manager.load(next.id))!;
    expect(loaded.get('cart')).toEqual([1]);
    expect(loaded.userId).toBe('alice');
    expect(loaded.createdAt).toBe(clock.now()); // login restarts the absolute timeout
    expect(events).toContainEqual(['regenerated', { previousKey: session.key, key: next.key, userId: 'alice' }]);
    const empty = await manager.regenerate(loaded, { keepData: false });
    expect((await manager.load(empty.id))!.toJSON()).toEqual({});
    expect((await manager.load(empty.id))!.createdAt).toBe(loaded.createdAt);
  });

  it("lists, revokes and destroys a user's sessions", async () => {
    const { manager } = setup();
    const sessions: Session[] = [];
    for (let i = 0; i < 3; i++) {
      const s = manager.create();
      s.set('agent', `browser ${i}`);
      sessions.push(await manager.regenerate(s, { userId: 'bob' }));
    }
    const other = await manager.regenerate(manager.create(), { userId: 'carol' });
    const list = await manager.listForUser('bob');
    expect(list.map((info) => info.data.agent).sort()).toEqual(['browser 0', 'browser 1', 'browser 2']);
    expect(list.every((info) => info.key !== sessions[0]!.id)).toBe(true);
    expect(await manager.destroyForUser('carol', sessions[0]!.key)).toBe(false);
    expect(await manager.destroyForUser('bob', sessions[0]!.key)).toBe(true);
    expect(await manager.destroyAllForUser('bob', { except: sessions[1]! })).toBe(1);
    expect(await manager.load(sessions[1]!.id)).not.toBeNull();
    expect(await manager.load(sessions[2]!.id)).toBeNull();
    expect(await manager.destroyAllForUser('bob')).toBe(1);
    expect(await manager.load(other.id)).not.toBeNull();
  });

  it('enforces a per-user session limit by eviction or refusal', async () => {
    const evict = setup({ userSessionLimit: { max: 2, onLimit: 'evict-oldest' } });
    const first = await evict.manager.regenerate(evict.manager.create(), { userId: 'u' });
    evict.clock.advance(1000);
    await evict.manager.regenerate(evict.manager.create(), { userId: 'u' });
    evict.clock.advance(1000);
    await evict.manager.regenerate(evict.manager.create(), { userId: 'u' });
    expect(await evict.manager.load(first.id)).toBeNull();
    expect(await evict.manager.listForUser('u')).toHaveLength(2);
    expect(evict.events).toContainEqual(['destroyed', { key: first.key, reason: 'limit' }]);

    const refuse = setup({ userSessionLimit: { max: 1, onLimit: 'refuse' } });
    await refuse.manager.regenerate(refuse.manager.create(), { userId: 'u' });
    await expect(refuse.manager.regenerate(refuse.manager.create(), { userId: 'u' })).rejects.toBeInstanceOf(
      SessionLimitError,
    );
  });

  it("enforces a store's bounded user index by default, evicting before the store would refuse", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const memory = new MemoryStore({ clock });
    // A store that declares a hard bound of 2 sessions per user (as memcached's index does).
    const capabilities = { ...memory.capabilities, maxSessionsPerUser: 2 };
    const bounded = new Proxy(memory, {
      get: (target, property) => {
        if (property === 'capabilities') return capabilities;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as SessionStore;
    const manager = new SessionManager({
      store: bounded,
      clock,
      idleTimeout: 30 * MINUTE,
      absoluteTimeout: 8 * 60 * MINUTE,
    });
    const destroyed: unknown[] = [];
    manager.on('destroyed', (payload) => destroyed.push(payload));
    const first = await manager.regenerate(manager.create(), { userId: 'u' });
    for (let i = 0; i < 2; i++) {
      clock.advance(1000);
      await manager.regenerate(manager.create(), { userId: 'u' });
    }
    expect(await manager.listForUser('u')).toHaveLength(2);
    expect(await manager.load(first.id)).toBeNull();
    expect(destroyed).toContainEqual({ key: first.key, reason: 'limit' });

    const tooHigh = { store: bounded, idleTimeout: MINUTE, absoluteTimeout: 2 * MINUTE };
    expect(() => new SessionManager({ ...tooHigh, userSessionLimit: { max: 3, onLimit: 'refuse' } })).toThrow(
      /above the 2 sessions per user/,
    );
    expect(() => new SessionManager({ ...tooHigh, userSessionLimit: { max: 2, onLimit: 'drop' as never } })).toThrow(
      ConfigurationError,
    );
  });

  it('fails before any write on unserializable or oversized data', async () => {
    const { manager, store } = setup({ maxPayloadBytes: 1024 });
    const session = manager.create();
    session.set('fn', (() => 1) as unknown);
    await expect(manager.commit(session)).rejects.toBeInstanceOf(SerializationError);
    const big = manager.create();
    big.set('blob', 'x'.repeat(2000));
    await expect(manager.commit(big)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(store.writes()).toBe(0);
    expect(() => session.set('__proto__', 1)).toThrow(SerializationError);
  });

  it('reads a corrupt record as missing and reports it', async () => {
    const { manager, store, events, clock } = setup();
    const id = generateSessionId();
    await store.create(hashSessionId(id), {
      data: new Uint8Array([1, 2, 3]),
      version: 1,
      expiresAt: clock.now() + MINUTE,
    });
    expect(await manager.load(id)).toBeNull();
    expect(events.find(([name]) => name === 'corrupt')?.[1]).toMatchObject({ key: hashSessionId(id) });
  });

  it('never returns a record a lagging store still holds past its deadline, and reports it', async () => {
    const { manager, store, events, clock } = setup();
    const session = manager.create();
    session.set('x', 1);
    await manager.commit(session);
    const stored = await store.get(session.key);
    const lagging = Object.assign(new MemoryStore(), { get: async () => stored });
    const reader = new SessionManager({
      store: lagging,
      clock,
      idleTimeout: 30 * MINUTE,
      absoluteTimeout: 60 * MINUTE,
    });
    reader.on('expired', (event) => events.push(['expired', event]));
    clock.advance(31 * MINUTE);
    expect(await reader.load(session.id)).toBeNull();
    expect(events).toContainEqual(['expired', { key: session.key }]);
  });

  it('reports store failures as typed errors and events, never as an anonymous session', async () => {
    const broken: SessionStore = Object.assign(new MemoryStore(), {
      name: 'broken',
      get: async () => {
        throw new Error('connection refused');
      },
    });
    const manager = new SessionManager({ store: broken, idleTimeout: MINUTE, absoluteTimeout: 10 * MINUTE });
    const seen: unknown[] = [];
    manager.on('storeError', (event) => seen.push(event));
    const error = await manager.load(generateSessionId()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).store).toBe('broken');
    expect(seen).toHaveLength(1);
  });

  it('reports failing writes of a commit typed, whether the store throws or rejects', async () => {
    for (const failure of ['throws', 'rejects'] as const) {
      const store = new MemoryStore();
      const manager = new SessionManager({ store, idleTimeout: MINUTE, absoluteTimeout: 10 * MINUTE });
      const session = manager.create();
      session.set('n', 1);
      await manager.commit(session);
      const loaded = (await manager.load(session.id))!;
      loaded.set('n', 2);
      store.update =
        failure === 'throws'
          ? () => {
              throw new Error('socket closed');
            }
          : () => Promise.reject(new Error('socket closed'));
      const seen: SessionEvents['storeError'][] = [];
      manager.on('storeError', (event) => seen.push(event));
      const error = await manager.commit(loaded).catch((caught: unknown) => caught);
      expect(error, failure).toBeInstanceOf(StoreUnavailableError);
      expect(
        seen.map((event) => event.operation),
        failure,
      ).toEqual(['update']);
    }
  });

  it('asks the store for the consistency each load requests', async () => {
    const store = new MemoryStore();
    const seen: unknown[] = [];
    const get = store.get.bind(store);
    store.get = (key, options) => {
      seen.push(options?.consistency);
      return get(key, options);
    };
    const manager = new SessionManager({ store, idleTimeout: MINUTE, absoluteTimeout: 10 * MINUTE });
    const strict = new SessionManager({
      store,
      idleTimeout: MINUTE,
      absoluteTimeout: 10 * MINUTE,
      defaultConsistency: 'strong',
    });
    const id = generateSessionId();
    await manager.load(id);
    await manager.load(id, { consistency: 'strong' });
    await strict.load(id);
    await strict.load(id, { consistency: 'eventual' });
    expect(seen).toEqual(['eventual', 'strong', 'strong', 'eventual']);
  });

  it('supports typed session data', async () => {
    const manager = new SessionManager<{ cart: string[]; visits: number }>({
      idleTimeout: MINUTE,
      absoluteTimeout: 10 * MINUTE,
    });
    const session = manager.create();
    session.set('visits', 1);
    session.set('cart', ['a']);
    await manager.commit(session);
    const loaded = await manager.load(session.id);
    const visits: number | undefined = loaded?.get('visits');
    expect(visits).toBe(1);
  });
});
