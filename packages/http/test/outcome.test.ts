/**
 * The `onOutcome` option over every binding: each token classification and each 403, 409 and 503 is reported
 * from the shared context code, so every binding reports the same outcomes.
 */
import { MemoryStore, SessionManager } from '@sessionkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpOutcome } from '../src/index.js';
import type { Data, Harness } from './helpers.js';
import { bindings, cookiePair, flip, SECRET, send, switchableStore } from './helpers.js';

const MINUTE = 60_000;

describe.each(bindings)('$name binding: onOutcome', (binding) => {
  let store: ReturnType<typeof switchableStore>;
  let outcomes: HttpOutcome[];
  let h: Harness;

  beforeEach(async () => {
    store = switchableStore(new MemoryStore());
    const manager = new SessionManager<Data>({ store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE });
    outcomes = [];
    h = await binding.start({ manager, secrets: [SECRET], onOutcome: (outcome) => outcomes.push(outcome) });
  });
  afterEach(async () => {
    await h.close();
  });

  /** The outcomes one request reports. */
  const outcomesOf = async (request: () => Promise<unknown>): Promise<HttpOutcome[]> => {
    outcomes.length = 0;
    await request();
    return [...outcomes];
  };

  it('reports the token classification of each load, and 409 and 503 answers', async () => {
    expect(await outcomesOf(() => send(`${h.url}/whoami`))).toEqual(['no_token']);
    expect(await outcomesOf(() => send(`${h.url}/noop`))).toEqual([]);
    const login = await send(`${h.url}/login?user=alice`, { method: 'POST' });
    const cookie = cookiePair(login)!;
    expect(await outcomesOf(() => send(`${h.url}/whoami`, { cookie }))).toEqual(['loaded']);
    expect(await outcomesOf(() => send(`${h.url}/whoami`, { cookie: flip(cookie, cookie.length - 3) }))).toEqual([
      'rejected_token',
    ]);

    const parties = 3;
    const racing = await outcomesOf(() =>
      Promise.all(
        Array.from({ length: parties }, () =>
          send(`${h.url}/naive-increment?barrier=outcome-${binding.name}&parties=${parties}`, {
            method: 'POST',
            cookie,
          }),
        ),
      ),
    );
    expect(racing.filter((outcome) => outcome === 'loaded')).toHaveLength(parties);
    expect(racing.filter((outcome) => outcome === 'conflict')).toHaveLength(parties - 1);

    store.down = true;
    expect(await outcomesOf(() => send(`${h.url}/whoami`, { cookie }))).toEqual(['unavailable']);
    store.down = false;

    await send(`${h.url}/logout`, { method: 'POST', cookie });
    expect(await outcomesOf(() => send(`${h.url}/whoami`, { cookie }))).toEqual(['anonymous']);
  });

  it('reports a CSRF rejection', async () => {
    await h.close();
    const manager = new SessionManager<Data>({ store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE });
    h = await binding.start({ manager, secrets: [SECRET], onOutcome: (outcome) => outcomes.push(outcome) }, {});
    const page = await send(`${h.url}/form`);
    const cookie = cookiePair(page)!;
    outcomes.length = 0;
    const reply = await send(`${h.url}/set?k=a&v=1`, {
      method: 'POST',
      cookie,
      headers: { accept: 'application/json' },
    });
    expect(reply.status).toBe(403);
    expect(outcomes).toEqual(['csrf_rejected']);
  });
});
