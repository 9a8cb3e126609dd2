import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

describe('redis sentinel', () => {
  const { sentinels, masterName } = endpoints.redisSentinel;
  const viaSentinel = new Redis({
    sentinels,
    name: masterName,
    maxRetriesPerRequest: 0,
    sentinelRetryStrategy: () => null,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  afterAll(() => viaSentinel.disconnect());

  it('every sentinel reports the same master, which has a replica', async () => {
    const masters = new Set<string>();
    for (const s of sentinels) {
      const sentinel = new Redis({ ...s, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
      try {
        const addr = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', masterName)) as [string, string];
        expect(addr).toHaveLength(2);
        masters.add(addr.join(':'));
        const replicas = (await sentinel.call('SENTINEL', 'replicas', masterName)) as unknown[];
        expect(replicas.length).toBe(1);
      } finally {
        sentinel.disconnect();
      }
    }
    expect(masters.size).toBe(1);
  });

  it('an ioredis sentinel connection writes, reads and expires on the master', async () => {
    await viaSentinel.connect();
    expect(await viaSentinel.call('ROLE').then((r) => (r as string[])[0])).toBe('master');
    const key = uniqueKey('sentinel');
    await viaSentinel.set(key, 'v', 'PX', 2000);
    expect(await viaSentinel.get(key)).toBe('v');
    await sleep(2200);
    expect(await viaSentinel.get(key)).toBeNull();
  });
});
