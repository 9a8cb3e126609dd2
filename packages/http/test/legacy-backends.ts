/**
 * The express-session stores the `legacy` option is proven on, the real packages on the real test servers:
 * connect-redis 9 (redis 5 client) on the Redis at 127.0.0.1:16379 and connect-memcached 3 (memcached client)
 * on the memcached at 127.0.0.1:21211. One array: the legacy suites run on each.
 */
import { createRequire } from 'node:module';
import { endpoints } from '@sessionkit/test-servers';
import type connectMemcachedType from 'connect-memcached';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { createClient } from 'redis';

const require = createRequire(import.meta.url);
const connectMemcached = require('connect-memcached') as typeof connectMemcachedType;

/** An open express-session store. */
export interface OpenLegacyStore {
  store: session.Store;
  close(): Promise<void>;
}

/** An express-session store package under test. */
export interface LegacyBackend {
  name: 'connect-redis' | 'connect-memcached';
  /** Opens the store with this key prefix (processes that share sessions pass the same). */
  open(prefix: string): Promise<OpenLegacyStore>;
}

export const legacyBackends: LegacyBackend[] = [
  {
    name: 'connect-redis',
    async open(prefix) {
      const client = createClient({ url: endpoints.redis.url });
      await client.connect();
      return { store: new RedisStore({ client, prefix }), close: async () => void (await client.quit()) };
    },
  },
  {
    name: 'connect-memcached',
    async open(prefix) {
      const MemcachedStore = connectMemcached(session);
      const store = new MemcachedStore({ hosts: [endpoints.memcached.servers[0]!], prefix });
      return { store, close: async () => store.client.end() };
    },
  },
];

/** The backend named `name`. */
export function legacyBackend(name: string): LegacyBackend {
  const backend = legacyBackends.find((b) => b.name === name);
  if (!backend) throw new Error(`unknown legacy backend ${name}`);
  return backend;
}

/** A legacy store's `get` as a promise (`null` on a miss). */
export function legacyGet(store: session.Store, sid: string): Promise<session.SessionData | null> {
  return new Promise((resolve, reject) =>
    store.get(sid, (error, data) => (error ? reject(error) : resolve(data ?? null))),
  );
}
