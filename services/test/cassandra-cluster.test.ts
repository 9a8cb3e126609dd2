import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

// The 2-node cluster is part of every `services.mjs up` (and so of `npm test`): a cluster that is down fails here.
describe('cassandra 2-node cluster', () => {
  const ALL = cassandra.types.consistencies.all;
  const client = new cassandra.Client({
    contactPoints: endpoints.cassandraCluster.contactPoints,
    localDataCenter: endpoints.cassandraCluster.localDataCenter,
    // cassandra-driver 4.10 reads peers from system.peers, which has no port: it needs the cluster's port.
    protocolOptions: { port: endpoints.cassandraCluster.port },
    socketOptions: { connectTimeout: 5000, readTimeout: 20_000 },
  });

  beforeAll(async () => {
    await client.connect();
    await client.execute(
      "CREATE KEYSPACE IF NOT EXISTS sk_smoke_rf2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}",
    );
    await client.execute('CREATE TABLE IF NOT EXISTS sk_smoke_rf2.kv (k text PRIMARY KEY, v text)');
  });
  afterAll(() => client.shutdown());

  it('has 2 nodes up', () => {
    const hosts = client.hosts.values();
    expect(hosts.map((h) => h.address).sort()).toEqual(endpoints.cassandraCluster.contactPoints);
    expect(hosts.every((h) => h.isUp())).toBe(true);
  });

  it('writes and reads at consistency ALL (both replicas), with TTL', async () => {
    const key = uniqueKey('cassandra-rf2');
    await client.execute('INSERT INTO sk_smoke_rf2.kv (k, v) VALUES (?, ?) USING TTL 2', [key, 'v1'], {
      prepare: true,
      consistency: ALL,
    });
    const read = await client.execute('SELECT v FROM sk_smoke_rf2.kv WHERE k = ?', [key], {
      prepare: true,
      consistency: ALL,
    });
    expect(read.first()?.get('v')).toBe('v1');
    await sleep(3100);
    const gone = await client.execute('SELECT v FROM sk_smoke_rf2.kv WHERE k = ?', [key], {
      prepare: true,
      consistency: ALL,
    });
    expect(gone.rowLength).toBe(0);
  });
});
