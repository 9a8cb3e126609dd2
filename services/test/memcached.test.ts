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
  afterAll(() => clients.forEach(({ client }) => client.close()));

  it('has 3 servers', () => {
    expect(clients).toHaveLength(3);
  });

  it('each server writes, reads and expires (1 s TTL)', async () => {
    const keys = await Promise.all(
      clients.map(async ({ server, client }) => {
        const key = uniqueKey(`memcached-${server}`);
        expect(await client.set(key, server, { expires: 1 }), server).toBe(true);
        expect((await client.get(key)).value?.toString(), server).toBe(server);
        return key;
      }),
    );
    // memcached TTLs have 1 s granularity: an item set with exptime 1 is gone within 2 s.
    await sleep(2100);
    for (const [i, { server, client }] of clients.entries()) {
      expect((await client.get(keys[i]!)).value, server).toBeNull();
    }
  });
});
