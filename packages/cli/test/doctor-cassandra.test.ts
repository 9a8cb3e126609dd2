/**
 * `sessionkit doctor cassandra://` through the built binary, on keyspaces this test creates: the adapter's own
 * schema (good), SimpleStrategy with more replicas than nodes and tables with the wrong compaction and no
 * tombstone grace (bad), a missing keyspace, and RF 2 with a short grace on the 2-node cluster.
 */
import { randomBytes } from 'node:crypto';
import { createSchema } from '@sessionkit/cassandra';
import { endpoints } from '@sessionkit/test-servers';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWellFormed, figures, results, runDoctor, statusOf } from './doctor-helpers.js';

const suffix = randomBytes(4).toString('hex');
const GOOD = `doctor_good_${suffix}`;
const BAD = `doctor_bad_${suffix}`;
const RF2 = `doctor_rf2_${suffix}`;

function clientFor(e: typeof endpoints.cassandra): cassandra.Client {
  return new cassandra.Client({
    contactPoints: e.contactPoints,
    localDataCenter: e.localDataCenter,
    protocolOptions: { port: e.port },
    socketOptions: { readTimeout: 60_000 },
  });
}
const urlFor = (e: typeof endpoints.cassandra, keyspace: string) =>
  `cassandra://${e.contactPoints.join(',')}/${keyspace}?dc=${e.localDataCenter}`;

const table = (keyspace: string, name: string, options: string) =>
  `CREATE TABLE ${keyspace}.${name} (key text PRIMARY KEY, data blob) WITH ${options}`;

describe('doctor cassandra:// (single node)', () => {
  const client = clientFor(endpoints.cassandra);

  beforeAll(async () => {
    await client.connect();
    await createSchema(client, { keyspace: GOOD, replication: { class: 'NetworkTopologyStrategy', datacenter1: 1 } });
    await client.execute(
      `CREATE KEYSPACE ${BAD} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`,
    );
    const stcs = "compaction = {'class': 'SizeTieredCompactionStrategy'} AND gc_grace_seconds = 0";
    await client.execute(table(BAD, 'sessions', stcs));
    await client.execute(table(BAD, 'sessions_by_user', stcs));
  });
  afterAll(async () => {
    for (const keyspace of [GOOD, BAD]) await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  it('passes the schema createSchema makes (RF 1 on one node is a warning: one copy)', async () => {
    const run = await runDoctor(urlFor(endpoints.cassandra, GOOD));
    figures('cassandra (1 node)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(statusOf(run.report, 'cassandra.replication')).toBe('warn');
    expect(results(run.report, 'cassandra.replication')[0]!.finding).toContain('RF 1');
    expect(statusOf(run.report, 'cassandra.nodes')).toBe('pass');
    expect(statusOf(run.report, 'cassandra.table')).toBe('pass');
    for (const name of ['sessions', 'sessions_by_user']) {
      expect(statusOf(run.report, 'cassandra.compaction', `${GOOD}.${name}`)).toBe('pass');
      expect(statusOf(run.report, 'cassandra.gc-grace', `${GOOD}.${name}`)).toBe('pass');
    }
  });

  it('fails SimpleStrategy RF 3 on one node, STCS and gc_grace_seconds 0', async () => {
    const run = await runDoctor(urlFor(endpoints.cassandra, BAD));
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(1);
    const [replication] = results(run.report, 'cassandra.replication');
    expect(replication!.status).toBe('fail');
    expect(replication!.finding).toContain('a quorum is 2 replicas but only 1 node(s) exist');
    expect(statusOf(run.report, 'cassandra.compaction', `${BAD}.sessions`)).toBe('warn');
    expect(statusOf(run.report, 'cassandra.gc-grace', `${BAD}.sessions`)).toBe('fail');
    expect(statusOf(run.report, 'cassandra.gc-grace', `${BAD}.sessions_by_user`)).toBe('fail');
  });

  it('fails a keyspace that does not exist, and judges nothing else', async () => {
    const run = await runDoctor(urlFor(endpoints.cassandra, `doctor_missing_${suffix}`));
    expect(run.exitCode).toBe(1);
    expect(statusOf(run.report, 'cassandra.replication')).toBe('fail');
    expect(run.report.checks.map((c) => c.id)).toEqual(['cassandra.replication', 'cassandra.nodes']);
  });

  it('judges gc_grace_seconds against --max-session-age', async () => {
    // The adapter's 24 h grace is short for 7-day sessions, but RF 1 has no replica to miss a delete.
    const run = await runDoctor(urlFor(endpoints.cassandra, GOOD), '--max-session-age', '7d');
    expect(statusOf(run.report, 'cassandra.gc-grace', `${GOOD}.sessions`)).toBe('pass');
    expect(results(run.report, 'cassandra.gc-grace', `${GOOD}.sessions`)[0]!.finding).toContain('one replica');
  });
});

describe('doctor cassandra:// (2-node cluster)', () => {
  const client = clientFor(endpoints.cassandraCluster);

  beforeAll(async () => {
    await client.connect();
    await createSchema(client, {
      keyspace: RF2,
      replication: { class: 'NetworkTopologyStrategy', datacenter1: 2 },
      gcGraceSeconds: 3600,
    });
  });
  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${RF2}`);
    await client.shutdown();
  });

  it('warns about RF 2 (any node down stops writes) and a grace shorter than a session', async () => {
    const run = await runDoctor(urlFor(endpoints.cassandraCluster, RF2));
    figures('cassandra (2-node cluster)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(statusOf(run.report, 'cassandra.replication')).toBe('warn');
    expect(results(run.report, 'cassandra.replication')[0]!.finding).toContain('RF 2');
    expect(statusOf(run.report, 'cassandra.nodes')).toBe('pass');
    expect(statusOf(run.report, 'cassandra.gc-grace', `${RF2}.sessions`)).toBe('warn');
  });
});
