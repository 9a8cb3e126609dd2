/**
 * Start-up: `connect()` against the real node, and a refused connection failing at once (not at the deadline)
 * on `connect()` and on every operation.
 */
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { type SessionKitError, StoreClosedError, StoreUnavailableError } from '@sessionkit/core';
import { CassandraSessionStore } from '../src/index.js';
import { ensureSchema, key, openStore, record } from './helpers.js';

/** A loopback port nothing listens on: bound to an ephemeral port, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

describe('connect()', () => {
  it('resolves once the node answered; idempotent; rejects after close', async () => {
    await ensureSchema();
    const store = openStore({ keyPrefix: `connect-${randomBytes(4).toString('hex')}:` });
    try {
      await store.connect();
      await store.connect();
      expect(await store.create(key(), record())).toBe(true);
    } finally {
      await store.close();
    }
    await expect(store.connect()).rejects.toBeInstanceOf(StoreClosedError);
  });

  // The deadline is 60 s and the test allows 5: only a refusal reported at once can pass.
  it('a refused connection rejects connect() and every operation at once with StoreUnavailableError (cause: the driver error)', {
    timeout: 5_000,
  }, async () => {
    const port = await closedPort();
    const store = new CassandraSessionStore({
      contactPoints: [`127.0.0.1:${port}`],
      localDataCenter: 'datacenter1',
      operationTimeoutMs: 60_000,
    });
    const k = key();
    const calls: [string, () => Promise<unknown>][] = [
      ['connect', () => store.connect()],
      ['get', () => store.get(k)],
      ['get', () => store.get(k, { consistency: 'strong' })],
      ['create', () => store.create(k, record({ userId: 'u1' }))],
      ['update', () => store.update(k, record({ version: 2 }), 1)],
      ['touch', () => store.touch(k, Date.now() + 60_000)],
      ['delete', () => store.delete(k)],
      ['listByUser', () => store.listByUser('u1')],
      ['deleteByUser', () => store.deleteByUser('u1')],
    ];
    try {
      for (const [operation, call] of calls) {
        const error = (await call().then(
          () => undefined,
          (e: unknown) => e,
        )) as SessionKitError;
        expect(error, operation).toBeInstanceOf(StoreUnavailableError);
        expect(error, operation).toMatchObject({ code: 'STORE_UNAVAILABLE', store: 'cassandra', operation, retryable: true });
        expect(error.message, operation).toContain(`(ECONNREFUSED): 127.0.0.1:${port}`);
        // The driver's error, holding each contact point's socket error in innerErrors.
        const cause = error.cause as { innerErrors: Record<string, unknown> };
        expect(cause, operation).toBeInstanceOf(cassandra.errors.NoHostAvailableError);
        expect(Object.values(cause.innerErrors), operation).toEqual([expect.objectContaining({ code: 'ECONNREFUSED', port })]);
      }
    } finally {
      await store.close();
    }
  });
});
