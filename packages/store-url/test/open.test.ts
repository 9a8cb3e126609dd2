/**
 * Every store URL form opens a working store on the real test servers (`node services/bin/services.mjs up`):
 * a record round-trips through create, get and delete. `provision: false` opens a store as it is: a missing
 * DynamoDB table stays missing and fails typed; with the default the table is created.
 */
import { randomBytes } from 'node:crypto';
import type { SessionStore } from '@sessionkit/core';
import { SessionKitError } from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { describe, expect, it } from 'vitest';
import { createStore, openStore } from '../src/index.js';
import { DYNAMODB_HOST, STORE_URLS } from './urls.js';

describe.each(STORE_URLS)('openStore(%s)', (_name, url) => {
  it(`opens ${url} and round-trips a record`, async () => {
    let store: SessionStore | undefined;
    try {
      store = await openStore(url);
      const key = randomBytes(32).toString('base64url');
      const record = {
        data: new TextEncoder().encode('{"cart":{"mug":1}}'),
        version: 1,
        expiresAt: Date.now() + 60_000,
        userId: 'user:store-url-test',
      };
      expect(await store.create(key, record)).toBe(true);
      const read = await store.get(key, { consistency: 'strong' });
      expect(read && new TextDecoder().decode(read.data)).toBe('{"cart":{"mug":1}}');
      expect(read?.version).toBe(1);
      expect(await store.delete(key)).toBe(true);
      expect(await store.get(key)).toBeNull();
    } finally {
      await store?.close();
    }
  });
});

describe('provisioning', () => {
  it('provision: false never creates a DynamoDB table; the default does', async () => {
    const table = `store_url_${randomBytes(6).toString('hex')}`;
    const url = `dynamodb://${DYNAMODB_HOST}/${table}`;
    const refused = await openStore(url, { provision: false }).then(
      () => null,
      (error: unknown) => error,
    );
    // The adapter's answer to a missing table (its typed error, message naming the table).
    expect(refused).toBeInstanceOf(SessionKitError);
    expect((refused as Error).message).toMatch(new RegExp(`table "${table}".*not found`));
    const store = await openStore(url);
    try {
      expect(await store.get(randomBytes(32).toString('base64url'))).toBeNull();
    } finally {
      await store.close();
    }
    const reopened = await openStore(url, { provision: false });
    await reopened.close();
  });
});

describe('createStore', () => {
  it('constructs without contacting anything: an unreachable address only fails at the first call', async () => {
    const store = await createStore('redis://127.0.0.1:1');
    expect(store).toBeInstanceOf(RedisSessionStore);
    await expect(store.get(randomBytes(32).toString('base64url'))).rejects.toMatchObject({
      code: expect.stringMatching(/^STORE_(UNAVAILABLE|TIMEOUT)$/),
    });
    await store.close();
  });

  it('openStore on an unreachable address fails typed and leaves nothing open', async () => {
    const error = await openStore('redis://127.0.0.1:1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: expect.stringMatching(/^STORE_(UNAVAILABLE|TIMEOUT)$/), store: 'redis' });
  });
});
