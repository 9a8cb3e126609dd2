import { describeSessionStore } from '@sessionkit/conformance';
import type { HazelcastSessionStore } from '../src/index.js';
import { openStore } from './helpers.js';

async function entryView(store: HazelcastSessionStore, key: string) {
  const map = await store.map();
  return map.getEntryView(store.keyPrefix + key);
}

const rawRead = {
  async exists(key: string, { store }: { store: HazelcastSessionStore }) {
    return (await entryView(store, key)) !== null;
  },
  async ttlMs(key: string, { store }: { store: HazelcastSessionStore }) {
    const view = await entryView(store, key);
    if (view === null) return null;
    const expiration = Number(view.expirationTime);
    // Long.MAX_VALUE: no TTL on the entry.
    return expiration >= Number.MAX_SAFE_INTEGER ? null : expiration - Date.now();
  },
};

describeSessionStore<HazelcastSessionStore>('HazelcastSessionStore (own client) on a 2-member cluster', {
  create: ({ prefix }) => openStore({ keyPrefix: prefix }),
  rawRead,
});

describeSessionStore<HazelcastSessionStore>('HazelcastSessionStore with near cache on a 2-member cluster', {
  create: ({ prefix }) => openStore({ keyPrefix: prefix, nearCache: true }),
  rawRead,
});
