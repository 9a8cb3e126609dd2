import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

describe('redis cluster', () => {
  const cluster = new Cluster(endpoints.redisCluster.nodes, {
    clusterRetryStrategy: () => null,
    redisOptions: { maxRetriesPerRequest: 0 },
    lazyConnect: true,
  });
  afterAll(() => cluster.disconnect());

  it('reports cluster_state:ok on every node', async () => {
    for (const node of endpoints.redisCluster.nodes) {
      const r = new Redis({ ...node, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        const info = String(await r.call('CLUSTER', 'INFO'));
        expect(info).toContain('cluster_state:ok');
        expect(info).toContain('cluster_known_nodes:6');
        expect(info).toContain('cluster_size:3');
      } finally {
        r.disconnect();
      }
    }
  });

  it('writes and reads keys spread over the slots of all 3 masters, with expiry', async () => {
    await cluster.connect();
    // 30 random keys leave one master's third of the slots empty about once in 60,000 runs: draw more (at
    // most 300, before anything is written) until every slot range has a key.
    const ranges = (await cluster.call('CLUSTER', 'SLOTS')) as [number, number][];
    const keys: string[] = [];
    const slots = new Set<number>();
    const rangesHit = new Set<number>();
    while (keys.length < 30 || (rangesHit.size < ranges.length && keys.length < 300)) {
      const key = uniqueKey(`cluster-${keys.length}`);
      const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
      keys.push(key);
      slots.add(slot);
      rangesHit.add(ranges.findIndex(([from, to]) => slot >= from && slot <= to));
    }
    await Promise.all(keys.map((key) => cluster.set(key, key, 'PX', 2000)));
    expect(slots.size).toBeGreaterThan(1);
    const masters = cluster.nodes('master');
    expect(masters).toHaveLength(3);
    const perMaster = await Promise.all(masters.map((m) => m.dbsize()));
    expect(perMaster.filter((n) => n > 0).length).toBe(3); // 30 random keys land on every master
    for (const key of keys) expect(await cluster.get(key)).toBe(key);
    await sleep(2200);
    for (const key of keys) expect(await cluster.get(key)).toBeNull();
  });
});
