/**
 * The SessionKit request path without HTTP: how long each step of a cached read takes in a tight loop
 * (token check, SHA-256 of the ID, store get, `manager.load`, and the whole `SessionHttp.context` + `get()` +
 * commit check). A measuring tool for docs/http.md, not a judged comparison.
 *
 * Run: `npx tsx bench/src/http-path.ts [memory|redis]` (redis: the test server at 127.0.0.1:16379, near cache on).
 */

import type { SessionStore } from '@sessionkit/core';
import { hashSessionId, MemoryStore, SessionManager } from '@sessionkit/core';
import { createSigner, SessionHttp } from '@sessionkit/http';
import { RedisSessionStore } from '@sessionkit/redis';

const SECRET = 'bench-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

async function openStore(which: string): Promise<SessionStore> {
  if (which === 'memory') return new MemoryStore();
  const store = new RedisSessionStore({
    connection: { host: '127.0.0.1', port: 16379 },
    keyPrefix: 'bench-path:',
    nearCache: true,
  });
  while (!store.nearCacheStats.live) await new Promise((resolve) => setTimeout(resolve, 5));
  return store;
}

const store = await openStore(process.argv[2] ?? 'memory');
const manager = new SessionManager({
  store,
  idleTimeout: 30 * 60_000,
  absoluteTimeout: 8 * 3_600_000,
  touchAfter: 60_000,
});
const http = new SessionHttp({ manager, secrets: [SECRET], cookie: { secure: false } });
const seed = manager.create();
seed.set('count', 1);
await manager.commit(seed);
const signer = createSigner(SECRET);
const token = signer.sign(seed.id);
const headers = { cookie: `sid=${token}` };

const steps: Record<string, () => unknown> = {
  'token check': () => signer.verify(token),
  'SHA-256 key': () => hashSessionId(seed.id),
  'store get': () => store.get(seed.key),
  'manager.load': () => manager.load(seed.id),
  'context get': async () => {
    const ctx = http.context(headers, {});
    await ctx.get();
    return ctx.needsCommit;
  },
};
for (const [name, step] of Object.entries(steps)) {
  for (let i = 0; i < 20_000; i++) await step();
  const n = 200_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await step();
  console.log(`${name.padEnd(14)} ${(Number(process.hrtime.bigint() - started) / n / 1000).toFixed(2)} µs`);
}
await store.close();
