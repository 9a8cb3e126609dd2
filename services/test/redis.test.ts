import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

describe('redis standalone', () => {
  // No retries: a server that is down fails the test at once instead of hanging.
  const redis = new Redis(endpoints.redis.url, {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  afterAll(() => redis.disconnect());

  it('writes, reads and expires', async () => {
    await redis.connect();
    const key = uniqueKey('redis');
    expect(await redis.set(key, 'v1', 'PX', 2000)).toBe('OK');
    expect(await redis.get(key)).toBe('v1');
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    await sleep(2200);
    expect(await redis.get(key)).toBeNull();
  });
});
