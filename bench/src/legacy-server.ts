/**
 * The server process of the legacy-option benchmark (`legacy.ts`), forked with an IPC channel: three Express 5
 * apps on three ports, the same routes as the HTTP benchmark (`POST /login?u=`, `GET /read`, `POST /write`, which
 * counts with `Session.update`) on `sessionMiddleware` with one `SessionManager` and one `RedisSessionStore`
 * (near cache on) at 127.0.0.1:16379 unless SESSIONKIT_REDIS_URL. App `legacy` has the `legacy` option over a
 * connect-redis 9 store; apps `plain` and `control` have not (`control` measures the noise: it should match
 * `plain`). One process for all, so they differ by the option alone, not by which process the scheduler favours
 * (two processes with identical apps measured 1.08x apart). Arguments: `<prefix> <legacy prefix>`. Sends
 * `{ ports: { plain, control, legacy } }` once all listen; stops on the message `stop`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expiryPresets, SessionManager } from '@sessionkit/core';
import { sessionMiddleware } from '@sessionkit/http';
import { RedisSessionStore } from '@sessionkit/redis';
import { RedisStore } from 'connect-redis';
import express from 'express';
import { createClient } from 'redis';
import { addSessionKitRoutes } from './lib/sessionkit-routes.js';

/** The apps compared: without the option, a second one without it (the A/A control), with it. */
export type LegacyVariant = 'plain' | 'control' | 'legacy';
/** All of them, in the order they are started. */
const LEGACY_VARIANTS: readonly LegacyVariant[] = ['plain', 'control', 'legacy'];

/** The secret of the express-session app the `legacy` variant adopts from (none is ever presented). */
const OLD_SECRET = 'bench-only-old-express-session-secret';
/** A fixed, long-enough secret for the benchmark only. */
const SECRET = 'bench-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const REDIS_URL = process.env.SESSIONKIT_REDIS_URL ?? 'redis://127.0.0.1:16379';

const [prefix, legacyPrefix] = process.argv.slice(2) as [string, string];
const url = new URL(REDIS_URL);
const store = new RedisSessionStore({
  connection: { host: url.hostname, port: Number(url.port) },
  keyPrefix: prefix,
  nearCache: true,
});
const manager = new SessionManager({ ...expiryPresets.workday, idleTimeout: 30 * 60_000, store });
const client = createClient({ url: REDIS_URL });
await client.connect();
const legacyStore = new RedisStore({ client, prefix: legacyPrefix });

/** The benchmark app, with or without the option. */
function shop(withLegacy: boolean): express.Express {
  const app = express();
  app.set('env', 'production');
  app.set('etag', false);
  app.use(
    sessionMiddleware({
      manager,
      secrets: [SECRET],
      cookie: { secure: false },
      ...(withLegacy ? { legacy: { store: legacyStore, secrets: OLD_SECRET } } : {}),
    }),
  );
  addSessionKitRoutes(app);
  return app;
}

const servers = await Promise.all(
  LEGACY_VARIANTS.map(
    (variant) =>
      new Promise<Server>((resolve) => {
        const server = shop(variant === 'legacy').listen(0, '127.0.0.1', () => resolve(server));
      }),
  ),
);
const ports = Object.fromEntries(
  LEGACY_VARIANTS.map((variant, i) => [variant, (servers[i]!.address() as AddressInfo).port]),
);
process.send?.({ ports });
process.on('disconnect', () => process.exit(1)); // the parent died: do not linger
process.on('message', (message) => {
  if (message !== 'stop') return;
  for (const server of servers) server.closeAllConnections();
  void Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    .then(() => Promise.all([store.close(), client.quit()]))
    .finally(() => process.exit(0));
});
