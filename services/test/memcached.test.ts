import memjs from 'memjs';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

describe('memcached', () => {
  // One client per server, so every server is proven, not just the one a key happens to hash to.
  const clients = endpoints.memcached.servers.map((server) => ({
    server,
    client: memjs.Client.create(server, { retries: 0, timeout: 1, conntimeout: 2, logger: { log: () => {} } }),
  }));
  afterAll(() => {
    for (const { client } of clients) client.close();
  });

  it('has 3 servers', () => {
    expect(clients).toHaveLength(3);
  });

  it('each server writes, reads and expires (2 s TTL)', async () => {
    const keys = await Promise.all(
      clients.map(async ({ server, client }) => {
        const key = uniqueKey(`memcached-${server}`);
        expect(await client.set(key, server, { expires: 2 }), server).toBe(true);
        expect((await client.get(key)).value?.toString(), server).toBe(server);
        return key;
      }),
    );
    // memcached TTLs have 1 s granularity: exptime 2 ends 1-2 s after the set (hence not 1, which can end
    // right away), and the item is surely gone after 3 s.
    await sleep(3100);
    for (const [i, { server, client }] of clients.entries()) {
      expect((await client.get(keys[i]!)).value, server).toBeNull();
    }
  });
});
