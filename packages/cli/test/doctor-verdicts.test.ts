/**
 * The doctor's verdicts as pure functions of what a server reported: the branches the real-server suites
 * (doctor-*.test.ts) cannot cheaply provoke — a full Redis, replicas lagging, a Cluster with a failed
 * master, Cassandra nodes down, an index backfilling, async-only Hazelcast backups — plus the parsers and
 * the merging of per-server results. A supplement to those suites, not a replacement.
 */
import { describe, expect, it } from 'vitest';
import type { CassandraFacts, CassandraTarget } from '../src/doctor/cassandra.js';
import { gcGraceCheck, nodesCheck, replicationCheck } from '../src/doctor/cassandra.js';
import { fail, pass, warn } from '../src/doctor/check.js';
import { expectedLayout, ttlCheck, userIndexCheck } from '../src/doctor/dynamodb.js';
import { backupsCheck, evictionCheck as hzEvictionCheck, safetyNetCheck } from '../src/doctor/hazelcast.js';
import type { MapConfigFacts } from '../src/doctor/hazelcast-map-config.js';
import { evictionsCheck } from '../src/doctor/memcached.js';
import { mergeNodeResults } from '../src/doctor/merge.js';
import { parseDurationSeconds } from '../src/doctor/options.js';
import { clusterReplicasCheck, clusterStateCheck, parseClusterNodes } from '../src/doctor/redis-cluster.js';
import { parseInfo } from '../src/doctor/redis-connection.js';
import { evictionCheck, memoryCheck, persistenceCheck, type RedisNodeFacts } from '../src/doctor/redis-node.js';
import { replicationCheck as redisReplicationCheck } from '../src/doctor/redis-replication.js';

const MiB = 1024 * 1024;
const redis = (over: Partial<RedisNodeFacts>): RedisNodeFacts => ({
  policy: 'noeviction',
  maxmemory: 100 * MiB,
  usedMemory: 10 * MiB,
  evictedKeys: 0,
  oomErrors: 0,
  aofEnabled: true,
  appendfsync: 'everysec',
  save: { value: '' },
  rdbLastStatus: 'ok',
  rdbSecondsSinceSave: undefined,
  rdbChangesSinceSave: 0,
  aofLastWriteStatus: 'ok',
  ...over,
});

describe('Redis verdicts', () => {
  it('maxmemory-policy: every evicting policy fails once a limit is set; inactive without one', () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-ttl']) {
      expect(evictionCheck(redis({ policy })).status).toBe('fail');
      expect(evictionCheck(redis({ policy, maxmemory: 0 })).status).toBe('warn');
    }
    // Keys already evicted are a fact, limit or not.
    expect(evictionCheck(redis({ policy: 'volatile-lru', maxmemory: 0, evictedKeys: 3 })).finding).toContain(
      'evicted 3 keys',
    );
    expect(evictionCheck(redis({ policy: 'noeviction' })).status).toBe('pass');
    expect(evictionCheck(redis({ policy: 'something-new' })).status).toBe('warn');
  });

  it('memory: warns at 90 % of maxmemory and after OOM refusals, naming what happens at the limit', () => {
    expect(memoryCheck(redis({ usedMemory: 89 * MiB })).status).toBe('pass');
    const full = memoryCheck(redis({ usedMemory: 95 * MiB }));
    expect(full.status).toBe('warn');
    expect(full.finding).toContain('every write is refused');
    expect(memoryCheck(redis({ oomErrors: 12 })).finding).toContain('12 commands were refused');
    expect(memoryCheck(redis({ maxmemory: 0 })).status).toBe('warn');
  });

  it('persistence: a failed save fails; appendfsync no and CONFIG refused warn', () => {
    expect(persistenceCheck(redis({ rdbLastStatus: 'err' })).status).toBe('fail');
    expect(persistenceCheck(redis({ aofLastWriteStatus: 'err' })).status).toBe('fail');
    expect(persistenceCheck(redis({ appendfsync: 'no' })).status).toBe('warn');
    const refused = persistenceCheck(redis({ aofEnabled: false, save: { refused: 'ERR unknown command' } }));
    expect(refused.status).toBe('warn');
    expect(refused.finding).toContain('ERR unknown command');
  });

  it('replication: lagging or syncing replicas warn', () => {
    const lagging = redisReplicationCheck(
      { role: 'master', replicas: [{ address: '10.0.0.2:6379', state: 'online', lagSeconds: 30 }] },
      false,
    );
    expect(lagging.status).toBe('warn');
    expect(
      redisReplicationCheck(
        { role: 'master', replicas: [{ address: '10.0.0.2:6379', state: 'wait_bgsave', lagSeconds: 0 }] },
        true,
      ).status,
    ).toBe('warn');
  });

  it('INFO parsing skips headers and keeps values with colons', () => {
    const info = parseInfo('# Replication\r\nrole:master\r\nslave0:ip=::1,port=1,state=online\r\n\r\n');
    expect(info.get('role')).toBe('master');
    expect(info.get('slave0')).toBe('ip=::1,port=1,state=online');
  });
});

describe('Redis Cluster verdicts', () => {
  // Three masters; the third failed, its replica not yet promoted.
  const nodes = parseClusterNodes(
    [
      'a 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
      'b 10.0.0.2:7000@17000 master - 0 0 2 connected 5461-10922',
      'c 10.0.0.3:7000@17000 master,fail - 0 0 3 disconnected 10923-16383',
      'd 10.0.0.4:7000@17000 slave a 0 0 1 connected',
      'e 10.0.0.5:7000@17000 slave c 0 0 3 connected',
    ].join('\n'),
  );

  it('parses slots, roles and addresses', () => {
    expect(nodes.map((n) => n.slotCount)).toEqual([5461, 5462, 5461, 0, 0]);
    expect(nodes[3]).toMatchObject({ host: '10.0.0.4', port: 7000, masterId: 'a' });
  });

  it('fails a cluster whose slots are failed, and warns about a master without replica', () => {
    const info = new Map(
      Object.entries({
        cluster_state: 'fail',
        cluster_slots_assigned: '16384',
        cluster_slots_ok: '10923',
        cluster_slots_pfail: '0',
        cluster_slots_fail: '5461',
      }),
    );
    const state = clusterStateCheck(info, nodes);
    expect(state.status).toBe('fail');
    expect(state.finding).toContain('failed: 10.0.0.3:7000');
    const replicas = clusterReplicasCheck(nodes);
    expect(replicas.status).toBe('warn');
    expect(replicas.finding).toContain('10.0.0.2:7000');
  });
});

describe('memcached verdicts', () => {
  it('eviction off (-M) passes until writes are refused', () => {
    expect(evictionsCheck({ stats: { outofmemory: '0' }, settings: { evictions: 'off' } }, 'store').status).toBe(
      'pass',
    );
    expect(evictionsCheck({ stats: { outofmemory: '5' }, settings: { evictions: 'off' } }, 'store').status).toBe(
      'warn',
    );
  });
});

describe('Cassandra verdicts', () => {
  const target: CassandraTarget = {
    contactPoints: [{ host: '10.0.0.1', port: 9042 }],
    localDataCenter: 'dc1',
    keyspace: 'sessionkit',
    table: 'sessions',
    userTable: 'sessions_by_user',
    maxSessionAgeSeconds: 86_400,
  };
  const node = (address: string, datacenter: string, up = true) => ({ address, datacenter, up });
  const facts = (replication: Record<string, string>, nodes = [node('a', 'dc1'), node('b', 'dc1'), node('c', 'dc1')]) =>
    ({ replication, durableWrites: true, nodes, tables: {} }) satisfies CassandraFacts;
  const nts = 'org.apache.cassandra.locator.NetworkTopologyStrategy';

  it('passes RF 3 over 3 nodes; fails a keyspace without replicas in the local DC', () => {
    expect(replicationCheck(facts({ class: nts, dc1: '3' }), target).status).toBe('pass');
    const elsewhere = replicationCheck(facts({ class: nts, dc2: '3' }), target);
    expect(elsewhere.status).toBe('fail');
    expect(elsewhere.finding).toContain('no replica in the client');
  });

  it('warns RF 5 over 3 nodes (quorum 3 still reachable) and durable_writes off', () => {
    expect(replicationCheck(facts({ class: nts, dc1: '5' }), target).status).toBe('warn');
    const undurable = replicationCheck({ ...facts({ class: nts, dc1: '3' }), durableWrites: false }, target);
    expect(undurable.status).toBe('warn');
    expect(undurable.fix).toContain('durable_writes = true');
  });

  it('nodes: one of three down warns (quorum up), two of three down fails', () => {
    const rf3 = { class: nts, dc1: '3' };
    expect(nodesCheck(facts(rf3, [node('a', 'dc1'), node('b', 'dc1'), node('c', 'dc1', false)]), target).status).toBe(
      'warn',
    );
    expect(
      nodesCheck(facts(rf3, [node('a', 'dc1'), node('b', 'dc1', false), node('c', 'dc1', false)]), target).status,
    ).toBe('fail');
    expect(nodesCheck(facts(rf3, [node('a', 'dc9')]), target).status).toBe('fail');
  });

  it('gc_grace_seconds: short with RF 3 warns, 0 with RF 3 fails', () => {
    const table = (gcGraceSeconds: number) => ({ compaction: {}, gcGraceSeconds });
    expect(gcGraceCheck(table(3600), 'ks.sessions', 3, 86_400).status).toBe('warn');
    expect(gcGraceCheck(table(0), 'ks.sessions', 3, 86_400).status).toBe('fail');
    expect(gcGraceCheck(table(864_000), 'ks.sessions', 3, 86_400).status).toBe('pass');
  });
});

describe('DynamoDB verdicts', () => {
  const layout = expectedLayout();

  it('knows the adapter layout', () => {
    expect(layout).toEqual({
      keyAttribute: 'pk',
      userIndexName: 'byUser',
      userIdAttribute: 'userId',
      expiresAtAttribute: 'expiresAt',
      ttlAttribute: 'ttl',
    });
  });

  it('TTL ENABLING warns; unsupported warns as "cannot verify"', () => {
    expect(ttlCheck({ description: { TimeToLiveStatus: 'ENABLING', AttributeName: 'ttl' } }, 't', layout).status).toBe(
      'warn',
    );
    expect(ttlCheck({ unsupported: 'UnknownOperationException' }, 't', layout).finding).toContain('cannot verify');
  });

  it('an index still backfilling warns; a KEYS_ONLY index fails (expiresAt not projected)', () => {
    const index = (IndexStatus: string, ProjectionType: string) => ({
      TableName: 't',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byUser',
          KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' as const }],
          Projection: { ProjectionType: ProjectionType as 'KEYS_ONLY' },
          IndexStatus: IndexStatus as 'ACTIVE',
          Backfilling: IndexStatus === 'CREATING',
        },
      ],
    });
    expect(userIndexCheck(index('CREATING', 'ALL'), layout).status).toBe('warn');
    expect(userIndexCheck(index('ACTIVE', 'KEYS_ONLY'), layout).status).toBe('fail');
  });
});

describe('Hazelcast verdicts', () => {
  const config = (over: Partial<MapConfigFacts>): MapConfigFacts => ({
    backupCount: 1,
    asyncBackupCount: 0,
    timeToLiveSeconds: 0,
    maxIdleSeconds: 0,
    maxSize: 2_147_483_647,
    maxSizePolicy: 0,
    evictionPolicy: 2,
    mergePolicy: 'com.hazelcast.spi.merge.PutIfAbsentMergePolicy',
    ...over,
  });

  it('async backups only warn; max-idle counts as a safety net', () => {
    expect(backupsCheck(config({ backupCount: 0, asyncBackupCount: 1 })).status).toBe('warn');
    expect(hzEvictionCheck(config({ evictionPolicy: 1 })).finding).toContain('LFU');
    const idle = safetyNetCheck(config({ maxIdleSeconds: 3600 }), 86_400);
    expect(idle.status).toBe('pass');
    expect(idle.finding).toContain('max-idle-seconds 3600 (1 h)');
  });
});

describe('merging per-server results', () => {
  it('one line per check: the worst status, agreeing servers together, worst first', () => {
    const merged = mergeNodeResults([
      { node: 'a', results: [pass('x.one', 'fine.'), pass('x.two', 'same.')] },
      { node: 'b', results: [fail('x.one', 'broken.', 'repair'), pass('x.two', 'same.')] },
      { node: 'c', results: [warn('x.one', 'meh.', 'tune'), pass('x.two', 'same.')] },
    ]);
    expect(merged).toEqual([
      { id: 'x.one', status: 'fail', finding: 'b: broken. | c: meh. | a: fine.', fix: 'repair' },
      { id: 'x.two', status: 'pass', finding: 'all 3 servers: same.' },
    ]);
  });

  it('parses durations', () => {
    expect(['86400', '90s', '30m', '24h', '7d'].map(parseDurationSeconds)).toEqual([86_400, 90, 1800, 86_400, 604_800]);
    expect(() => parseDurationSeconds('1w')).toThrow('expected a duration');
  });
});
