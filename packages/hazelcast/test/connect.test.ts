/**
 * Start-up against members that refuse the connection: every call fails at once with a typed error carrying
 * the socket error, long before the operation deadline or the client's own cluster connect timeout.
 */
import { connectionErrorCode, type SessionKitError, StoreUnavailableError } from '@sessionkit/core';
import { closedPort } from '@sessionkit/test-servers';
import { describe, expect, it } from 'vitest';
import { HazelcastSessionStore } from '../src/index.js';
import { memberAddresses } from '../src/internal.js';
import { quietClientConfig } from './helpers.js';

describe('members that refuse the connection', () => {
  it('connect() and every operation reject at once with StoreUnavailableError caused by ECONNREFUSED', {
    timeout: 5_000,
  }, async () => {
    const port = await closedPort();
    const store = new HazelcastSessionStore({
      members: [`127.0.0.1:${port}`],
      clusterName: 'sessionkit',
      operationTimeoutMs: 60_000,
      clientConfig: quietClientConfig,
    });
    const calls: [string, () => Promise<unknown>][] = [
      ['connect', () => store.connect()],
      ['get', () => store.get('k')],
      ['get', () => store.get('k', { consistency: 'strong' })],
      ['create', () => store.create('k', { data: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000 })],
      ['update', () => store.update('k', { data: new Uint8Array([2]), version: 2, expiresAt: Date.now() + 60_000 }, 1)],
      ['touch', () => store.touch('k', Date.now() + 60_000)],
      ['delete', () => store.delete('k')],
      ['listByUser', () => store.listByUser('u')],
      ['deleteByUser', () => store.deleteByUser('u')],
    ];
    try {
      for (const [operation, call] of calls) {
        const error = (await call().then(
          () => undefined,
          (e: unknown) => e,
        )) as SessionKitError;
        expect(error, operation).toBeInstanceOf(StoreUnavailableError);
        expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', store: 'hazelcast', operation, retryable: true });
        expect(error.cause, `${operation}: the socket error`).toBeInstanceOf(Error);
        expect(error.cause).toMatchObject({ code: 'ECONNREFUSED', port });
        expect(connectionErrorCode(error)).toBe('ECONNREFUSED');
      }
    } finally {
      await store.close();
    }
  });
});

describe('memberAddresses', () => {
  it('reads member strings as hazelcast-client does', () => {
    expect(memberAddresses('10.0.0.1:5701')).toEqual([{ host: '10.0.0.1', port: 5701 }]);
    expect(memberAddresses('[::1]:15701')).toEqual([{ host: '::1', port: 15701 }]);
    expect(memberAddresses('hz1')).toEqual([5701, 5702, 5703].map((port) => ({ host: 'hz1', port })));
    expect(memberAddresses('::1')).toEqual([5701, 5702, 5703].map((port) => ({ host: '::1', port })));
  });
});
