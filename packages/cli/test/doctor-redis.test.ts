/**
 * `sessionkit doctor` on Redis, through the built binary: private servers configured well and badly, the
 * shared Cluster and Sentinel deployment, a cluster node without slots, a wrong master name, a closed port.
 */
import { closedPort, endpoints } from '@sessionkit/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectWellFormed,
  figures,
  type PrivateServer,
  results,
  runDoctor,
  startRedis,
  statusOf,
  stopAll,
} from './doctor-helpers.js';

const url = (s: PrivateServer) => `redis://${s.host}:${s.port}`;

describe('doctor redis:// (standalone)', () => {
  let good: PrivateServer;
  let allkeys: PrivateServer;
  let volatile: PrivateServer;
  let replica: PrivateServer;

  beforeAll(async () => {
    [good, allkeys, volatile] = await Promise.all([
      startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes']),
      startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']),
      startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'volatile-lru', '--save', '3600 1']),
    ]);
    // A replica of `good`: its master then reports one replica online.
    replica = await startRedis(['--replicaof', good.host, String(good.port), '--maxmemory-policy', 'noeviction']);
    const client = new Redis({ host: good.host, port: good.port });
    try {
      const until = performance.now() + 20_000;
      while (!/slave0:.*state=online/.test(await client.info('replication'))) {
        if (performance.now() > until) throw new Error('the private replica did not come online within 20 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  });
  afterAll(() => stopAll([replica, good, allkeys, volatile]));

  it('passes a server with noeviction, a memory limit, AOF and a replica', async () => {
    const run = await runDoctor(url(good));
    figures('redis (standalone)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(statusOf(run.report, 'redis.maxmemory-policy')).toBe('pass');
    expect(statusOf(run.report, 'redis.memory')).toBe('pass');
    expect(statusOf(run.report, 'redis.persistence')).toBe('pass');
    expect(statusOf(run.report, 'redis.replication')).toBe('pass');
    expect(run.report.status).toBe('pass');
  });

  it('fails allkeys-lru: it evicts live sessions and user indexes', async () => {
    const run = await runDoctor(url(allkeys));
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(1);
    const [policy] = results(run.report, 'redis.maxmemory-policy');
    expect(policy!.status).toBe('fail');
    expect(policy!.finding).toContain('allkeys-lru');
    expect(policy!.fix).toContain('noeviction');
    expect(statusOf(run.report, 'redis.persistence')).toBe('warn'); // no AOF, no save schedule
    expect(statusOf(run.report, 'redis.replication')).toBe('warn'); // no replica
  });

  it('fails volatile-lru too: every key the adapter writes has a TTL, so they are all candidates', async () => {
    const run = await runDoctor(url(volatile));
    expect(run.exitCode).toBe(1);
    const [policy] = results(run.report, 'redis.maxmemory-policy');
    expect(policy!.status).toBe('fail');
    expect(policy!.finding).toContain('every key SessionKit writes has one');
    // RDB only: a crash loses what was written since the last snapshot.
    expect(results(run.report, 'redis.persistence')[0]!.finding).toContain('RDB snapshots only');
  });

  it('fails a replica given as the store: it refuses writes', async () => {
    const run = await runDoctor(url(replica));
    expect(run.exitCode).toBe(1);
    expect(statusOf(run.report, 'redis.replication')).toBe('fail');
  });

  it("uses the URL's password, reports a refused one as a connection failure, and never prints it", async () => {
    const locked = await startRedis(['--requirepass', 'doctor-s3cret', '--maxmemory-policy', 'noeviction']);
    try {
      const refused = await runDoctor(url(locked));
      expect(refused.exitCode).toBe(3);
      expect(results(refused.report, 'redis.connection')[0]!.finding).toContain('NOAUTH');
      const run = await runDoctor(`redis://:doctor-s3cret@${locked.host}:${locked.port}`);
      expect(run.exitCode).toBe(0);
      expect(statusOf(run.report, 'redis.maxmemory-policy')).toBe('pass');
      expect(JSON.stringify(run.report)).not.toContain('doctor-s3cret');
    } finally {
      await locked.stop();
    }
  });

  it('reports an unreachable server as a connection failure with exit code 3', async () => {
    const run = await runDoctor(`redis://127.0.0.1:${await closedPort()}`, '--timeout', '1000');
    expect(run.exitCode).toBe(3);
    expect(statusOf(run.report, 'redis.connection')).toBe('fail');
  });
});

describe('doctor redis+cluster://', () => {
  let lonely: PrivateServer;
  beforeAll(async () => {
    lonely = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']);
  });
  afterAll(() => stopAll([lonely]));

  it('passes the shared cluster: state ok, all slots, a replica per master', async () => {
    const nodes = endpoints.redisCluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
    const run = await runDoctor(`redis+cluster://${nodes}`);
    figures('redis-cluster (6 nodes)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(statusOf(run.report, 'redis-cluster.state')).toBe('pass');
    expect(statusOf(run.report, 'redis-cluster.replicas')).toBe('pass');
    expect(statusOf(run.report, 'redis.maxmemory-policy')).toBe('pass');
  });

  it('fails a cluster node that covers no slots', async () => {
    const run = await runDoctor(`redis+cluster://${lonely.host}:${lonely.port}`);
    expect(run.exitCode).toBe(1);
    const [state] = results(run.report, 'redis-cluster.state');
    expect(state!.status).toBe('fail');
    expect(state!.finding).toContain('0/16384 slots assigned');
    expect(statusOf(run.report, 'redis-cluster.replicas')).toBe('fail');
  });
});

describe('doctor redis+sentinel://', () => {
  const sentinels = endpoints.redisSentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(',');

  it('passes the shared Sentinel deployment: 3 Sentinels agree, quorum reachable, a replica to promote', async () => {
    const run = await runDoctor(`redis+sentinel://${sentinels}/${endpoints.redisSentinel.masterName}`);
    figures('redis-sentinel (3 sentinels, master + replica)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(statusOf(run.report, 'redis-sentinel.sentinels')).toBe('pass');
    expect(statusOf(run.report, 'redis-sentinel.quorum')).toBe('pass');
    expect(statusOf(run.report, 'redis-sentinel.replicas')).toBe('pass');
    expect(statusOf(run.report, 'redis.replication')).toBe('pass');
    expect(statusOf(run.report, 'redis.maxmemory-policy')).toBe('pass');
  });

  it('fails a master name the Sentinels do not monitor', async () => {
    const run = await runDoctor(`redis+sentinel://${sentinels}/no-such-master`);
    expect(run.exitCode).toBe(1);
    expect(statusOf(run.report, 'redis-sentinel.sentinels')).toBe('fail');
    expect(statusOf(run.report, 'redis-sentinel.quorum')).toBe('fail');
  });
});
