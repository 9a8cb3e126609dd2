import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

describe('cassandra', () => {
  const client = new cassandra.Client({
    contactPoints: endpoints.cassandra.contactPoints,
    localDataCenter: endpoints.cassandra.localDataCenter,
    protocolOptions: { port: endpoints.cassandra.port },
    socketOptions: { connectTimeout: 5000, readTimeout: 20_000 },
  });

  beforeAll(async () => {
    await client.connect();
    await client.execute(
      "CREATE KEYSPACE IF NOT EXISTS sk_smoke WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    );
    await client.execute('CREATE TABLE IF NOT EXISTS sk_smoke.kv (k text PRIMARY KEY, v text)');
  });
  afterAll(() => client.shutdown());

  it('is one node of datacenter1', () => {
    const hosts = client.getState().getConnectedHosts();
    expect(hosts.length).toBeGreaterThan(0);
    expect(hosts[0]!.datacenter).toBe(endpoints.cassandra.localDataCenter);
  });

  it('writes, reads and expires (USING TTL 2)', async () => {
    const key = uniqueKey('cassandra');
    await client.execute('INSERT INTO sk_smoke.kv (k, v) VALUES (?, ?) USING TTL 2', [key, 'v1'], { prepare: true });
    const read = await client.execute('SELECT v, TTL(v) AS ttl FROM sk_smoke.kv WHERE k = ?', [key], { prepare: true });
    expect(read.first()?.get('v')).toBe('v1');
    expect(read.first()?.get('ttl')).toBeLessThanOrEqual(2);
    await sleep(3100); // TTLs count whole seconds: TTL 2 ends 1-2 s after the write (TTL 1 could end at once)
    const gone = await client.execute('SELECT v FROM sk_smoke.kv WHERE k = ?', [key], { prepare: true });
    expect(gone.rowLength).toBe(0);
  });
});
