/**
 * The session stores the HTTP benchmark servers share, set up once for every framework: SessionKit's
 * `SessionManager` on a `RedisSessionStore` (with or without the near cache), and connect-redis 9 on a redis 5
 * client (the store of express-session and of @fastify/session). Imported only by the server child processes.
 *
 * @module
 */
import { expiryPresets, SessionManager } from '@sessionkit/core';
import type { SessionHttpOptions } from '@sessionkit/http';
import { RedisSessionStore } from '@sessionkit/redis';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { IDLE_MS, REDIS_URL, SECRET } from './http-sides.js';

/**
 * The options every SessionKit binding takes, on a `RedisSessionStore` under `prefix` (`nearCache` for the
 * `sessionkit-near` variant, the store's defaults otherwise), with `close` for the store's connections.
 */
export function sessionkitOptions(
  nearCache: boolean,
  prefix: string,
): { options: SessionHttpOptions; close: () => Promise<void> } {
  const url = new URL(REDIS_URL);
  const store = new RedisSessionStore({
    connection: { host: url.hostname, port: Number(url.port) },
    keyPrefix: prefix,
    nearCache,
  });
  const manager = new SessionManager({ ...expiryPresets.workday, idleTimeout: IDLE_MS, store });
  return { options: { manager, secrets: [SECRET], cookie: { secure: false } }, close: () => store.close() };
}

/** A connect-redis 9 store under `prefix` on a connected redis 5 client, with `close` for the client. */
export async function connectRedisStore(prefix: string): Promise<{ store: RedisStore; close: () => Promise<void> }> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  return {
    store: new RedisStore({ client, prefix }),
    close: async () => {
      await client.quit();
    },
  };
}
