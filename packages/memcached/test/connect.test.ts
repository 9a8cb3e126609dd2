/**
 * Start-up: `connect()` against the real servers, and a refused connection failing at once (not at the
 * deadline) on `connect()` and on every operation.
 */

import { randomBytes } from 'node:crypto';
import { generateSessionId, hashSessionId, StoreClosedError, StoreUnavailableError } from '@sessionkit/core';
import { closedPort } from '@sessionkit/test-servers';
import { describe, expect, test } from 'vitest';
import { MemcachedSessionStore } from '../src/index.js';
import { rec, servers } from './helpers.js';

describe('connect()', () => {
  test('resolves once every server answered; idempotent; rejects after close', async () => {
    const store = new MemcachedSessionStore({ servers, keyPrefix: `skc-${randomBytes(4).toString('hex')}:` });
    await store.connect();
    await store.connect();
    const k = hashSessionId(generateSessionId());
    expect(await store.create(k, rec())).toBe(true);
    await store.close();
    await expect(store.connect()).rejects.toBeInstanceOf(StoreClosedError);
  });

  // The deadline is 60 s and the test allows 5: only a refusal reported at once can pass.
  test('a refused connection rejects connect() and every operation at once with StoreUnavailableError (cause: the driver error)', {
    timeout: 5_000,
  }, async () => {
    const port = await closedPort();
    const store = new MemcachedSessionStore({ servers: [`127.0.0.1:${port}`], operationTimeoutMs: 60_000 });
    const k = hashSessionId(generateSessionId());
    const calls: [string, () => Promise<unknown>][] = [
      ['connect', () => store.connect()],
      ['get', () => store.get(k)],
      ['create', () => store.create(k, rec({ userId: 'u1' }))],
      ['update', () => store.update(k, rec({ version: 2 }), 1)],
      ['touch', () => store.touch(k, Date.now() + 60_000)],
      ['delete', () => store.delete(k)],
      ['listByUser', () => store.listByUser('u1')],
      ['deleteByUser', () => store.deleteByUser('u1')],
    ];
    try {
      for (const [operation, call] of calls) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, operation).toBeInstanceOf(StoreUnavailableError);
        expect(error, operation).toMatchObject({
          code: 'STORE_UNAVAILABLE',
          store: 'memcached',
          operation,
          retryable: true,
        });
        expect((error as Error).message, operation).toContain(`127.0.0.1:${port}`);
        expect((error as Error).cause, operation).toMatchObject({ code: 'ECONNREFUSED' });
      }
    } finally {
      await store.close();
    }
  });
});
