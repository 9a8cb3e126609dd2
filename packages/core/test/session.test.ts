import { describe, expect, it } from 'vitest';
import { MemoryStore, SessionManager } from '../src/index.js';

const MINUTE = 60_000;

async function storedSession() {
  const manager = new SessionManager({
    store: new MemoryStore(),
    idleTimeout: 30 * MINUTE,
    absoluteTimeout: 60 * MINUTE,
  });
  const session = manager.create();
  session.set('a', 1);
  await manager.commit(session);
  return { manager, loaded: (await manager.load(session.id))! };
}

describe('Session change tracking', () => {
  it('reports no changes until the first write, and none again after a commit', async () => {
    const { manager, loaded } = await storedSession();
    expect(loaded.isModified).toBe(false);
    expect([...loaded.changes]).toEqual([]);
    loaded.set('b', 2);
    loaded.unset('a');
    expect(loaded.isModified).toBe(true);
    expect([...loaded.changes]).toEqual([
      ['b', { kind: 'set', value: 2, readFirst: false }],
      ['a', { kind: 'unset', readFirst: false }],
    ]);
    expect(await manager.commit(loaded)).toEqual({ status: 'updated' });
    expect(loaded.isModified).toBe(false);
    expect([...loaded.changes]).toEqual([]);
    expect(loaded.toJSON()).toEqual({ b: 2 });
  });

  it('does not count removing an absent attribute as a change', async () => {
    const { manager, loaded } = await storedSession();
    loaded.unset('missing');
    expect(loaded.isModified).toBe(false);
    expect(await manager.commit(loaded)).toEqual({ status: 'unchanged' });
  });

  it('keeps the loaded attributes as the merge base while the request writes', async () => {
    const { loaded } = await storedSession();
    loaded.set('a', 5);
    expect(loaded.baseAttributes).toEqual({ a: 1 });
    expect(loaded.currentAttributes).toEqual({ a: 5 });
  });
});

describe('Session.onNextChange', () => {
  it('calls the listener once, after the first set or unset that records a change', async () => {
    const { loaded: session } = await storedSession();
    let calls = 0;
    session.onNextChange(() => {
      calls++;
      expect(session.isModified, 'the change is recorded before the listener runs').toBe(true);
    });
    session.unset('missing' as never); // nothing to remove: no change, no call
    expect(calls).toBe(0);
    session.set('a', 2);
    session.set('a', 3);
    expect(calls).toBe(1);
    session.onNextChange(() => calls++);
    session.unset('a');
    expect(calls).toBe(2);
  });
});
