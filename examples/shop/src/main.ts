/**
 * The smallest SessionKit app: a visit counter on node:http and the embedded MemoryStore.
 * The full shop (login, cart, checkout, active sessions) replaces it once @sessionkit/http lands.
 */
import { createServer } from 'node:http';
import { expiryPresets, SessionManager } from '@sessionkit/core';

const manager = new SessionManager<{ visits: number }>({ ...expiryPresets.nistAal2 });
const port = Number(process.env.PORT ?? 3000);

const server = createServer(async (req, res) => {
  const id = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const session = (await manager.load(id)) ?? manager.create();
  const visits = (session.get('visits') ?? 0) + 1;
  session.set('visits', visits);
  await manager.commit(session);
  res.setHeader('set-cookie', `sid=${session.id}; HttpOnly; SameSite=Lax; Path=/`);
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<h1>SessionKit</h1><p>You have visited this page ${visits} time(s) in this session.</p>`);
});

server.listen(port, () => console.log(`SessionKit demo on http://localhost:${port} (embedded MemoryStore)`));
