// The conformance suite from the installed tarballs, run by the app's own vitest, on the embedded MemoryStore and
// on RedisSessionStore (raw reads through the app's own ioredis client).
import { readFileSync } from 'node:fs';
import { describeSessionStore } from '@sessionkit/conformance';
import { MemoryStore } from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

const settings = JSON.parse(readFileSync(new URL('./settings.json', import.meta.url), 'utf8'));
const keyPrefix = (prefix: string) => `${settings.keyPrefix}conformance:${prefix}`;
const raw = new Redis(settings.redis);
afterAll(() => raw.disconnect());

describeSessionStore('MemoryStore (installed)', {
  create: ({ prefix }) => new MemoryStore({ name: `memory ${prefix}`, maxPayloadBytes: 256 * 1024 }),
  skip: { 'raw-backend': 'MemoryStore has no backend beneath it: nothing to read raw' },
});

describeSessionStore<RedisSessionStore>('RedisSessionStore (installed)', {
  create: ({ prefix }) => new RedisSessionStore({ connection: settings.redis, keyPrefix: keyPrefix(prefix) }),
  // Same margin as packages/redis's own suite: expiry windows of 100 ms on a loaded 2-core machine.
  timeScale: 4,
  rawRead: {
    // The backend key is the key prefix and the key: an adapter adds its prefix and nothing else.
    async exists(key, { prefix }) {
      return (await raw.exists(keyPrefix(prefix) + key)) === 1;
    },
    async ttlMs(key, { prefix }) {
      const ttl = await raw.pttl(keyPrefix(prefix) + key);
      return ttl < 0 ? null : ttl;
    },
  },
});
