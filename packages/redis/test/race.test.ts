/**
 * A destroy racing a slow commit or touch, many times: the session never comes back. The "slow" writer talks
 * to Redis through a TCP proxy that holds every chunk for a random 0-4 ms, so its update/touch, sent before
 * the delete, usually reaches the server after it.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { endpoints } from '@sessionkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../src/index.js';
import { session } from './helpers.js';

/** A TCP proxy to `target` that delays each chunk (order kept) by a random 0-`maxDelayMs` ms. */
function slowProxy(target: { host: string; port: number }, maxDelayMs: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    const delayed = (to: net.Socket) => {
      let chain = Promise.resolve();
      return (chunk: Buffer) => {
        chain = chain.then(
          () =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                if (!to.destroyed) to.write(chunk);
                resolve();
              }, Math.random() * maxDelayMs),
            ),
        );
      };
    };
    client.on('data', delayed(upstream));
    upstream.on('data', delayed(client));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('a destroy racing a slow commit or touch', () => {
  const url = new URL(endpoints.redis.url);
  const target = { host: url.hostname, port: Number(url.port || 6379) };
  const keyPrefix = `skr-race-${randomBytes(4).toString('hex')}:`;
  let proxy: net.Server;
  let fast: RedisSessionStore;
  let slow: RedisSessionStore;

  beforeAll(async () => {
    proxy = await slowProxy(target, 3);
    const port = (proxy.address() as net.AddressInfo).port;
    fast = new RedisSessionStore({ connection: target, keyPrefix });
    slow = new RedisSessionStore({ connection: { host: '127.0.0.1', port }, keyPrefix });
  });
  afterAll(async () => {
    await Promise.all([fast?.close(), slow?.close()]);
    await new Promise((resolve) => proxy?.close(resolve));
  });

  it('never brings the session back (100 loops, update and touch through a slow link, delete direct)', async () => {
    let writerWonFirst = 0;
    for (let loop = 0; loop < 100; loop++) {
      const k = randomBytes(32).toString('base64url');
      const user = `racer-${loop % 3}`;
      expect(await fast.create(k, session({ userId: user }))).toBe(true);
      const later = Date.now() + (loop % 2 === 0 ? 60_000 : 3 * 60 * 60_000); // odd loops also raise the index bound
      const commit = slow.update(k, session({ version: 2, userId: user, expiresAt: later }), 1);
      const touch = slow.touch(k, later + 1);
      // The delete leaves 0-6 ms later, so either side may land first.
      await new Promise((resolve) => setTimeout(resolve, loop % 7));
      const destroyed = await fast.delete(k);
      const [committed, touched] = await Promise.all([commit, touch]);
      if (committed || touched) writerWonFirst++;
      expect(destroyed, `loop ${loop}: the delete saw a live session`).toBe(true);
      expect(await fast.get(k, { consistency: 'strong' }), `loop ${loop}: get after the race`).toBeNull();
      expect(await fast.client.exists(keyPrefix + k), `loop ${loop}: raw key after the race`).toBe(0);
      expect(
        (await fast.listByUser(user)).some((e) => e.key === k),
        `loop ${loop}: listed after the race`,
      ).toBe(false);
    }
    console.log(`race: the slow writer landed first in ${writerWonFirst} of 100 loops`);
    // Both orders were exercised.
    expect(writerWonFirst).toBeGreaterThan(0);
    expect(writerWonFirst).toBeLessThan(100);
  });
});
