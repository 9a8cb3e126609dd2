import { Client } from 'hazelcast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

describe('hazelcast', () => {
  let client: Client;

  beforeAll(async () => {
    client = await Client.newHazelcastClient({
      clusterName: endpoints.hazelcast.clusterName,
      network: { clusterMembers: endpoints.hazelcast.members },
      // Fail within seconds when the members are down (the default retries for 20 s+ with backoff).
      connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 10_000 } },
      properties: { 'hazelcast.logging.level': 'ERROR' },
    });
  });
  afterAll(() => client?.shutdown());

  it('sees a cluster of 2 members', () => {
    expect(client.getCluster().getMembers()).toHaveLength(2);
  });

  it('IMap put with TTL, get, expiry', async () => {
    const map = await client.getMap<string, string>('sk-smoke');
    const key = uniqueKey('hazelcast');
    await map.put(key, 'v1', 2000);
    expect(await map.get(key)).toBe('v1');
    await sleep(2200);
    expect(await map.get(key)).toBeNull();
  });
});
