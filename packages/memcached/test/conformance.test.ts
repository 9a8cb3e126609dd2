/**
 * The SessionKit conformance suite against real memcached: once with one server, once with three
 * (consistent hashing, every key on exactly one server).
 */

import type { RawReadHooks } from '@sessionkit/conformance';
import { describeSessionStore } from '@sessionkit/conformance';
import { MemcachedSessionStore } from '../src/index.js';
import { rawTtlSeconds, servers } from './helpers.js';

/**
 * Raw reads with memcached's meta-get (`mg <key> t`: `HD t<seconds>` or `EN`), on the server the ring picks
 * for the key. The TTL memcached reports is in whole seconds.
 */
const rawRead: RawReadHooks<MemcachedSessionStore> = {
  async exists(key, { prefix, store }) {
    return (await rawTtlSeconds(store.serverFor(key), prefix + key)) !== null;
  },
  async ttlMs(key, { prefix, store }) {
    const seconds = await rawTtlSeconds(store.serverFor(key), prefix + key);
    if (seconds === null || seconds < 0) return null;
    return seconds * 1000;
  },
};

describeSessionStore<MemcachedSessionStore>('memcached, 1 server', {
  create: ({ prefix }) => new MemcachedSessionStore({ servers: servers.slice(0, 1), keyPrefix: prefix }),
  rawRead,
});

describeSessionStore<MemcachedSessionStore>('memcached, 3 servers', {
  create: ({ prefix }) => new MemcachedSessionStore({ servers: servers.slice(0, 3), keyPrefix: prefix }),
  rawRead,
});
