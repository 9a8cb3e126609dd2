/**
 * `sessionkit doctor memcached://` through the built binary: a fresh private server (good), one filled past its
 * tiny memory limit with a small item limit (bad), the same server as the cache tier of a tiered store, and
 * the shared servers.
 */
import { endpoints } from '@sessionkit/test-servers';
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectWellFormed,
  figures,
  type PrivateServer,
  results,
  runDoctor,
  startMemcached,
  statusOf,
  stopAll,
} from './doctor-helpers.js';

const url = (...servers: PrivateServer[]) => `memcached://${servers.map((s) => `${s.host}:${s.port}`).join(',')}`;

describe('doctor memcached://', () => {
  let good: PrivateServer;
  let small: PrivateServer;

  beforeAll(async () => {
    [good, small] = await Promise.all([startMemcached(['-m', '64']), startMemcached(['-m', '4', '-I', '512k'])]);
    // 300 items of 50 kB into 4 MiB: memcached evicts (LRU) to make room, as it would with live sessions.
    const client = memjs.Client.create(`${small.host}:${small.port}`, { logger: { log: () => undefined } });
    try {
      const value = Buffer.alloc(50_000, 1);
      for (let i = 0; i < 300; i++) await client.set(`filler-${i}`, value, {});
    } finally {
      client.close();
    }
  });
  afterAll(() => stopAll([good, small]));

  it('passes a server that never evicted, with room and the default item limit; durability is a warning', async () => {
    const run = await runDoctor(url(good));
    figures('memcached (1 server)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(statusOf(run.report, 'memcached.evictions')).toBe('pass');
    expect(statusOf(run.report, 'memcached.memory')).toBe('pass');
    expect(statusOf(run.report, 'memcached.item-size')).toBe('pass');
    expect(statusOf(run.report, 'memcached.durability')).toBe('warn');
  });

  it('fails a server that evicted items, and warns about its fill level and item limit', async () => {
    const run = await runDoctor(url(small));
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(1);
    const [evictions] = results(run.report, 'memcached.evictions');
    expect(evictions!.status).toBe('fail');
    expect(evictions!.finding).toMatch(/: \d+ items evicted/);
    expect(statusOf(run.report, 'memcached.memory')).toBe('warn');
    const [itemSize] = results(run.report, 'memcached.item-size');
    expect(itemSize!.status).toBe('warn');
    expect(itemSize!.fix).toContain('maxItemBytes');
  });

  it('merges several servers into one line per check, worst first', async () => {
    const run = await runDoctor(url(good, small));
    expect(run.exitCode).toBe(1);
    const [evictions] = results(run.report, 'memcached.evictions');
    expect(evictions!.status).toBe('fail');
    expect(evictions!.finding).toContain(`${small.host}:${small.port}: `);
    expect(evictions!.finding).toContain(`${good.host}:${good.port}: no item evicted`);
  });

  it('as the cache tier of a tiered store, evictions are a warning (misses go to the durable tier)', async () => {
    const durable = `redis://${endpoints.redis.url.replace(/^redis:\/\//, '')}`;
    const run = await runDoctor(`tiered:${url(small)}|${durable}`);
    expectWellFormed(run.report);
    expect(statusOf(run.report, 'memcached.evictions', 'cache')).toBe('warn');
    expect(statusOf(run.report, 'memcached.durability', 'cache')).toBe('pass');
    expect(statusOf(run.report, 'redis.maxmemory-policy', 'durable')).toBe('pass');
    expect(run.exitCode).toBe(0);
  });

  it('runs on the shared servers (3 of them) and reports every check', async () => {
    const run = await runDoctor(`memcached://${endpoints.memcached.servers.join(',')}`);
    figures('memcached (3 servers)', run);
    expectWellFormed(run.report);
    expect(run.report.checks.map((c) => c.id)).toEqual([
      'memcached.evictions',
      'memcached.memory',
      'memcached.item-size',
      'memcached.durability',
    ]);
    // Other suites fill these servers; whether they evicted depends on them, so only the shape is checked here.
    expect([0, 1]).toContain(run.exitCode);
  });
});
