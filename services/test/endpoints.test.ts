import { describe, expect, it } from 'vitest';
import { endpoints, resolveEndpoints, serverControl } from '../src/index.js';

describe('endpoints', () => {
  it('defaults to the loopback servers of services.mjs', () => {
    const e = resolveEndpoints({});
    expect(e.redis).toEqual({ url: 'redis://127.0.0.1:16379', external: false });
    expect(e.redisCluster.nodes.map((n) => n.port)).toEqual([17001, 17002, 17003, 17004, 17005, 17006]);
    expect(e.redisSentinel.masterName).toBe('sessionkit');
    expect(e.cassandra).toEqual({
      contactPoints: ['127.0.0.1:19042'],
      localDataCenter: 'datacenter1',
      port: 19042,
      external: false,
    });
    expect(e.dynamodb.endpoint).toBe('http://127.0.0.1:14567');
    expect(e.hazelcast).toEqual({
      members: ['127.0.0.1:15701', '127.0.0.1:15702'],
      clusterName: 'sessionkit',
      external: false,
    });
  });

  it('takes one env var per backend, with an optional @name', () => {
    const e = resolveEndpoints({
      SESSIONKIT_REDIS_URL: 'redis://cache:6379/2',
      SESSIONKIT_REDIS_SENTINELS: 's1:26379, s2:26379@mymaster',
      SESSIONKIT_MEMCACHED_SERVERS: 'm1:11211,m2:11211',
      SESSIONKIT_CASSANDRA_CONTACT_POINTS: 'c1:9042@dc1',
      SESSIONKIT_DYNAMODB_ENDPOINT: 'http://ddb:8000',
      SESSIONKIT_HAZELCAST_MEMBERS: 'h1:5701',
    });
    expect(e.redis).toEqual({ url: 'redis://cache:6379/2', external: true });
    expect(e.redisSentinel).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'mymaster',
      external: true,
    });
    expect(e.memcached.servers).toEqual(['m1:11211', 'm2:11211']);
    expect(e.cassandra).toEqual({ contactPoints: ['c1:9042'], localDataCenter: 'dc1', port: 9042, external: true });
    expect(e.dynamodb.credentials).toBeUndefined();
    expect(e.hazelcast.clusterName).toBe('sessionkit');
    expect(e.redisCluster.external).toBe(false);
  });

  it('rejects a malformed override, naming the variable', () => {
    expect(() => resolveEndpoints({ SESSIONKIT_REDIS_CLUSTER_NODES: 'host-without-port' })).toThrow(
      /SESSIONKIT_REDIS_CLUSTER_NODES/,
    );
  });

  it('matches what the services CLI starts', async () => {
    const rows = await serverControl.status();
    const cli = new Map(rows.map((r) => [r.name, r.endpoint]));
    const local = resolveEndpoints({});
    expect(cli.get('redis')).toBe(local.redis.url);
    expect(local.redisCluster.nodes.map((n) => cli.get(`redis-cluster-${n.port}`))).toEqual(
      local.redisCluster.nodes.map((n) => `${n.host}:${n.port}`),
    );
    expect(local.redisSentinel.sentinels.map((s) => cli.get(`redis-sentinel-${s.port}`))).toEqual(
      local.redisSentinel.sentinels.map((s) => `${s.host}:${s.port}`),
    );
    expect(local.memcached.servers.map((s) => cli.get(`memcached-${s.split(':')[1]}`))).toEqual(
      local.memcached.servers,
    );
    expect(cli.get('cassandra')).toBe(local.cassandra.contactPoints[0]);
    expect([cli.get('cassandra-cluster-1'), cli.get('cassandra-cluster-2')]).toEqual(
      local.cassandraCluster.contactPoints,
    );
    expect(local.hazelcast.members.map((m) => cli.get(`hazelcast-${m.split(':')[1]}`))).toEqual(
      local.hazelcast.members,
    );
    expect(cli.get('dynalite')).toBe(local.dynamodb.endpoint);
  });

  it('exports the endpoints of this environment', () => {
    expect(endpoints).toEqual(resolveEndpoints(process.env));
  });
});
