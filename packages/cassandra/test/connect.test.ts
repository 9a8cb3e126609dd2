/**
 * Start-up: `connect()` against the real node, and a refused connection failing at once (not at the deadline)
 * on `connect()` and on every operation.
 */
import { randomBytes } from 'node:crypto';
import { type SessionKitError, StoreClosedError, StoreUnavailableError } from '@sessionkit/core';
import { closedPort } from '@sessionkit/test-servers';
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { CassandraSessionStore } from '../src/index.js';
import { contractCalls, ensureSchema, failure, key, openStore, record } from './helpers.js';

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
    const calls: [string, () => Promise<unknown>][] = [
      ['connect', () => store.connect()],
      ...contractCalls(store, key(), 'u1'),
    ];
    try {
      for (const [operation, call] of calls) {
        const error = (await failure(call())) as SessionKitError;
        expect(error, operation).toBeInstanceOf(StoreUnavailableError);
        expect(error, operation).toMatchObject({
          code: 'STORE_UNAVAILABLE',
          store: 'cassandra',
          operation,
          retryable: true,
        });
        expect(error.message, operation).toContain(`(ECONNREFUSED): 127.0.0.1:${port}`);
        // The driver's error, holding each contact point's socket error in innerErrors.
        const cause = error.cause as { innerErrors: Record<string, unknown> };
        expect(cause, operation).toBeInstanceOf(cassandra.errors.NoHostAvailableError);
        expect(Object.values(cause.innerErrors), operation).toEqual([
          expect.objectContaining({ code: 'ECONNREFUSED', port }),
        ]);
      }
    } finally {
      await store.close();
    }
  });
});
