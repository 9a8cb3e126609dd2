/**
 * One app process of the same-session write burst (`burst.ts`): an Express 5 app serving the same routes with
 * SessionKit or with express-session, on Redis. Run with
 * `node --import tsx bench/src/burst-server.ts <sessionkit|express-session> <port> <redis-url> <key-prefix>`
 * and the signing secret in `BURST_SECRET`; every process of a side gets the same prefix and secret. Port 0
 * picks a free port. Prints `listening <port>` once it serves; stops on SIGTERM, and when its stdin closes (the
 * driver holds it open, so a driver that dies takes its servers with it).
 *
 * Routes (both sides):
 * - `POST /start`: a new session holding `cart: []`; answers 204 with its cookie.
 * - `POST /cart/add?item=<n>`: adds item n to the cart; answers 204.
 * - `GET /cart`: the cart as JSON (a strong read on the SessionKit side), `null` without a session.
 * - `GET /ping`: 204, no session (for the readiness check and to open the client's sockets).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/** The two implementations of the same routes. */
export type BurstSide = 'sessionkit' | 'express-session';

const IDLE_MS = 30 * 60_000;
const [side, port, redisUrl, prefix] = process.argv.slice(2) as [BurstSide, string, string, string];
const secret = process.env.BURST_SECRET;
if (!secret || !prefix || (side !== 'sessionkit' && side !== 'express-session')) {
  throw new Error(
    'usage: burst-server.ts <sessionkit|express-session> <port> <redis-url> <key-prefix>, secret in BURST_SECRET',
  );
}

const app = express();
app.set('env', 'production'); // the final handler does not print the stack of an expected 409 or 503
app.set('etag', false);
app.get('/ping', (_req, res) => {
  res.status(204).end();
});
const item = (query: unknown) => Number((query as { item?: string }).item);
let close: () => Promise<unknown>;

if (side === 'sessionkit') {
  const { SessionManager, expiryPresets } = await import('@sessionkit/core');
  const { RedisSessionStore } = await import('@sessionkit/redis');
  const { getSession, sessionMiddleware } = await import('@sessionkit/http');
  const url = new URL(redisUrl);
  // The store's defaults: no near cache (the burst writes; a read-side cache has nothing to do here).
  const store = new RedisSessionStore({
    connection: { host: url.hostname, port: Number(url.port) },
    keyPrefix: prefix,
  });
  const manager = new SessionManager({ ...expiryPresets.workday, idleTimeout: IDLE_MS, store });
  app.use(sessionMiddleware({ manager, secrets: [secret], cookie: { secure: false } }));
  app.post('/start', async (req, res) => {
    (await getSession(req).session()).set('cart', []);
    res.status(204).end();
  });
  app.post('/cart/add', async (req, res) => {
    const added = item(req.query);
    (await getSession(req).session()).update('cart', (cart) => [...((cart as number[] | undefined) ?? []), added]);
    res.status(204).end();
  });
  app.get('/cart', async (req, res) => {
    const session = await getSession(req).get({ consistency: 'strong' });
    res.json(session?.get('cart') ?? null);
  });
  close = () => store.close();
} else {
  const { default: session } = await import('express-session');
  const { RedisStore } = await import('connect-redis');
  const { createClient } = await import('redis');
  const client = createClient({ url: redisUrl });
  await client.connect();
  app.use(
    session({
      secret,
      resave: false,
      saveUninitialized: false,
      store: new RedisStore({ client, prefix }),
      cookie: { maxAge: IDLE_MS, httpOnly: true, sameSite: 'lax', secure: false },
    }),
  );
  const data = (req: unknown) => (req as { session: { cart?: number[] } }).session;
  app.post('/start', (req, res) => {
    data(req).cart = [];
    res.status(204).end();
  });
  app.post('/cart/add', (req, res) => {
    data(req).cart!.push(item(req.query)); // what an express-session app writes
    res.status(204).end();
  });
  app.get('/cart', (req, res) => {
    res.json(data(req).cart ?? null);
  });
  close = () => client.quit();
}

const server = createServer(app);
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close(() => void close().finally(() => process.exit(0)));
};
process.once('SIGTERM', stop);
process.stdin.once('close', stop).resume();
