/**
 * Every SESSIONKIT_STORE form the docs show opens a working store on the real test servers
 * (`node services/bin/services.mjs up`): a record round-trips through create, get and delete.
 */
import { randomBytes } from 'node:crypto';
import type { SessionStore } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store-from-url.js';
import { STORE_URLS } from './helpers.js';

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
        userId: 'user:shop-test',
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
