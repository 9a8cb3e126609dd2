/**
 * Start-up: `connect()` on the three topologies, and a refused connection failing at once, typed, with the
 * driver's error as `cause`, although the deadline is a minute away (the vitest timeouts are far below it).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { StoreClosedError, StoreUnavailableError } from '@sessionkit/core';
import { closedPort, endpoints } from '@sessionkit/test-servers';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { RedisSessionStoreOptions } from '../src/index.js';
import { RedisSessionStore } from '../src/index.js';
import type { Topology } from './helpers.js';
import { openStore, session } from './helpers.js';

/** A deadline no test may wait out. */
const LONG_DEADLINE_MS = 60_000;
/** Vitest timeout of the refusal tests: far below the deadline. */
const FAST_MS = 10_000;

const prefix = () => `skr-connect-${randomBytes(4).toString('hex')}:`;
const key = () => randomBytes(32).toString('base64url');

/** The rejection of `call`, which must reject. */
async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => expect.fail('the call resolved'),
    (error: unknown) => error,
  );
}

/** Every operation of the store, each on its own arguments. */
function everyOperation(store: RedisSessionStore): [string, () => Promise<unknown>][] {
  return [
    ['connect', () => store.connect()],
    ['get', () => store.get(key())],
    ['create', () => store.create(key(), session({ userId: 'u' }))],
    ['update', () => store.update(key(), session({ version: 2 }), 1)],
    ['touch', () => store.touch(key(), Date.now() + 60_000)],
    ['delete', () => store.delete(key())],
    ['listByUser', () => store.listByUser('u')],
    ['deleteByUser', () => store.deleteByUser('u')],
    ['scan', () => store.scan()],
  ];
}

/** Checks that every operation rejects with StoreUnavailableError (not a timeout) whose cause passes `checkCause`. */
async function expectEveryCallRefused(store: RedisSessionStore, checkCause: (cause: unknown) => void) {
  for (const [operation, call] of everyOperation(store)) {
    const error = await rejection(call);
    expect(error, `${operation}: ${String(error)}`).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code, operation).toBe('STORE_UNAVAILABLE');
    expect((error as StoreUnavailableError).store).toBe('redis');
    expect((error as StoreUnavailableError).operation).toBe(operation);
    expect((error as StoreUnavailableError).retryable).toBe(true);
    checkCause((error as Error).cause);
  }
}

const refusedSocket = (cause: unknown) => {
  expect(cause).toBeInstanceOf(Error);
  expect((cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
};

describe('RedisSessionStore.connect()', () => {
  for (const topology of ['standalone', 'sentinel', 'cluster'] satisfies Topology[]) {
    it(`${topology}: resolves once the master is ready, at once when called again, and serves calls`, async () => {
      const store = openStore(topology, prefix());
      try {
        await Promise.all([store.connect(), store.connect()]);
        expect(store.client.status).toBe('ready');
        await store.connect();
        const k = key();
        expect(await store.create(k, session())).toBe(true);
        expect((await store.get(k))?.version).toBe(1);
      } finally {
        await store.close();
      }
      await expect(store.connect()).rejects.toBeInstanceOf(StoreClosedError);
    });
  }

  it('connects a lazyConnect client, and an application client it is given (which it leaves open)', async () => {
    const url = new URL(endpoints.redis.url);
    const lazy = new RedisSessionStore({
      connection: { host: url.hostname, port: Number(url.port), lazyConnect: true },
      keyPrefix: prefix(),
    });
    const client = new Redis(endpoints.redis.url, { lazyConnect: true });
    const given = new RedisSessionStore({ client, keyPrefix: prefix() });
    try {
      expect(lazy.client.status).toBe('wait');
      await lazy.connect();
      expect(lazy.client.status).toBe('ready');
      await given.connect();
      expect(client.status).toBe('ready');
      await given.close();
      expect(await client.ping()).toBe('PONG');
    } finally {
      await Promise.all([lazy.close(), given.close()]);
      client.disconnect();
    }
  });
});

describe(`a refused connection fails at once with StoreUnavailableError and the driver's error as cause (deadline ${LONG_DEADLINE_MS} ms)`, () => {
  const options = (): Pick<RedisSessionStoreOptions, 'keyPrefix' | 'operationTimeoutMs'> => ({
    keyPrefix: prefix(),
    operationTimeoutMs: LONG_DEADLINE_MS,
  });

  it('standalone: connect() and every operation, the first call included', { timeout: FAST_MS }, async () => {
    const store = new RedisSessionStore({ connection: { host: '127.0.0.1', port: await closedPort() }, ...options() });
    try {
      // The very first call waits for the first connection attempt, which is refused.
      const first = await rejection(() => store.get(key()));
      expect(first).toBeInstanceOf(StoreUnavailableError);
      refusedSocket((first as Error).cause);
      await expectEveryCallRefused(store, refusedSocket);
    } finally {
      await store.close();
    }
  });

  it("an application's client with the ioredis defaults (offline queue on), left open by close()", {
    timeout: FAST_MS,
  }, async () => {
    const client = new Redis({ host: '127.0.0.1', port: await closedPort() });
    const store = new RedisSessionStore({ client, ...options() });
    try {
      await expectEveryCallRefused(store, refusedSocket);
      await store.close();
      expect(client.status).not.toBe('end');
    } finally {
      client.disconnect();
    }
  });

  it('Sentinel: no sentinel reachable', { timeout: FAST_MS }, async () => {
    const port = await closedPort();
    const store = new RedisSessionStore({
      connection: { sentinels: [{ host: '127.0.0.1', port }], name: 'sessionkit' },
      ...options(),
    });
    try {
      await expectEveryCallRefused(store, (cause) => {
        expect(cause).toBeInstanceOf(Error);
        expect((cause as Error).message).toMatch(/^All sentinels are unreachable/);
      });
    } finally {
      await store.close();
    }
  });

  it('Cluster: no startup node reachable', { timeout: FAST_MS }, async () => {
    const store = new RedisSessionStore({
      cluster: { nodes: [{ host: '127.0.0.1', port: await closedPort() }] },
      ...options(),
    });
    try {
      await expectEveryCallRefused(store, (cause) => {
        expect(cause).toBeInstanceOf(Error);
        expect((cause as Error).name).toBe('ClusterAllFailedError');
      });
    } finally {
      await store.close();
    }
  });

  it('serves again once the port accepts connections', { timeout: FAST_MS }, async () => {
    const port = await closedPort();
    const store = new RedisSessionStore({ connection: { host: '127.0.0.1', port }, ...options() });
    // A TCP relay to the real server, opened on the refused port after the first failures.
    const target = new URL(endpoints.redis.url);
    const relay = net.createServer((socket) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    try {
      expect(await rejection(() => store.connect())).toBeInstanceOf(StoreUnavailableError);
      await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
      // Calls fail at once until a reconnection attempt (at most 1 s apart) gets through; then they succeed.
      for (;;) {
        try {
          await store.connect();
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(StoreUnavailableError);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      const k = key();
      expect(await store.create(k, session())).toBe(true);
      expect((await store.get(k))?.version).toBe(1);
    } finally {
      await store.close();
      await new Promise((resolve) => relay.close(resolve));
    }
  });
});

describe('the client option', () => {
  it('says what it expected when given something else', () => {
    for (const client of [{}, 'redis://localhost', new (class Redis {})()]) {
      expect(() => new RedisSessionStore({ client: client as unknown as Redis })).toThrow(
        /`client` must be a Redis or Cluster client of the application's ioredis/,
      );
    }
    expect(() => new RedisSessionStore({ client: new (class Redis {})() as unknown as Redis })).toThrow(
      /another copy of ioredis/,
    );
  });
});
