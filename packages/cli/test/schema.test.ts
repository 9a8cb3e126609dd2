/**
 * `sessionkit schema`, run as the built binary: the printed CQL and DynamoDB definitions are the adapters' own
 * (printing contacts nothing), other backends say there is nothing to create (exit 0), and `--apply` creates a
 * fresh Cassandra keyspace and a fresh DynamoDB table on the real servers that a store then works on, again
 * idempotently; an unreachable backend is exit 3.
 */
import { randomBytes } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CassandraSessionStore, schemaCql } from '@sessionkit/cassandra';
import { DynamoDBSessionStore, sessionTableDefinition, sessionTableTtlSpecification } from '@sessionkit/dynamodb';
import { openStore } from '@sessionkit/store-url';
import { closedPort } from '@sessionkit/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { dropKeyspace, dropTable } from './cleanup.js';
import { json, sessionkit, urls } from './cli-run.js';

const run = randomBytes(4).toString('hex');

/** A record through a store opened as it is (no provisioning): proves the schema the CLI made is usable. */
async function roundTrip(url: string): Promise<void> {
  const store = await openStore(url, { provision: false });
  try {
    const key = randomBytes(32).toString('base64url');
    const record = { data: new Uint8Array([1, 2, 3]), version: 1, expiresAt: Date.now() + 60_000, userId: 'u' };
    expect(await store.create(key, record)).toBe(true);
    expect((await store.get(key, { consistency: 'strong' }))?.data).toEqual(record.data);
    expect(await store.listByUser('u')).toEqual([{ key, expiresAt: record.expiresAt }]);
  } finally {
    await store.close();
  }
}

describe('schema (printing)', () => {
  it('prints the Cassandra CQL of @sessionkit/cassandra without contacting the cluster', async () => {
    // A closed port: printing must not connect anywhere.
    const url = `cassandra://127.0.0.1:${await closedPort()}/printed_ks?dc=dc9`;
    const result = await sessionkit('schema', url, '--replication-factor', '3', '--json');
    expect(result.code, result.stderr).toBe(ExitCode.Ok);
    const expected = schemaCql({
      keyspace: 'printed_ks',
      replication: { class: 'NetworkTopologyStrategy', dc9: 3 },
    });
    expect(json(result)).toMatchObject({
      schemas: [{ backend: 'cassandra', keyspace: 'printed_ks', statements: expected }],
    });
    const human = await sessionkit('schema', url, '--replication-factor', '3');
    expect(human.code).toBe(ExitCode.Ok);
    for (const cql of expected) expect(human.stdout).toContain(`${cql};`);
  });

  it('prints the DynamoDB CreateTable and UpdateTimeToLive requests of @sessionkit/dynamodb', async () => {
    const result = await sessionkit('schema', 'dynamodb:///prod_sessions?region=eu-west-1', '--json');
    expect(result.code, result.stderr).toBe(ExitCode.Ok);
    expect(json(result)).toMatchObject({
      schemas: [
        {
          backend: 'dynamodb',
          table: 'prod_sessions',
          createTable: sessionTableDefinition({ tableName: 'prod_sessions' }),
          timeToLive: sessionTableTtlSpecification({ tableName: 'prod_sessions' }),
        },
      ],
    });
  });

  it('says there is no schema for Redis, memcached, Hazelcast (exit 0), and covers both tiers of a pair', async () => {
    for (const url of ['redis://127.0.0.1:1', 'memcached://127.0.0.1:1', 'hazelcast://127.0.0.1:1', 'memory']) {
      const result = await sessionkit('schema', url);
      expect(result.code, result.stderr).toBe(ExitCode.Ok);
      expect(result.stdout).toMatch(/no schema to create/);
    }
    const tiered = await sessionkit('schema', 'tiered:redis://127.0.0.1:1|cassandra://127.0.0.1:1/ks', '--json');
    expect(json(tiered)).toMatchObject({
      schemas: [
        { backend: 'redis', tier: 'cache', none: expect.stringMatching(/no schema/) },
        { backend: 'cassandra', tier: 'durable', keyspace: 'ks' },
      ],
    });
  });
});

describe('schema --apply', () => {
  const keyspace = `cli_schema_${run}`;
  const table = `cli_schema_${run}`;
  const cassandraUrl = urls.cassandra(keyspace);
  const dynamoUrl = urls.dynamodb(table);

  afterAll(async () => {
    await dropKeyspace(cassandraUrl);
    await dropTable(dynamoUrl).catch(() => undefined); // absent if the test failed before creating it
  });

  it('creates a fresh Cassandra keyspace and tables a store works on; again is a no-op', async () => {
    const first = await sessionkit('schema', cassandraUrl, '--apply', '--gc-grace-seconds', '7200', '--json');
    expect(first.code, first.stdout + first.stderr).toBe(ExitCode.Ok);
    expect(json(first)).toMatchObject({ applied: [{ backend: 'cassandra', applied: true }] });
    const store = await openStore(cassandraUrl, { provision: false });
    try {
      if (!(store instanceof CassandraSessionStore)) throw new TypeError('not a Cassandra store');
      const tables = await store.client.execute(
        'SELECT table_name, gc_grace_seconds FROM system_schema.tables WHERE keyspace_name = ?',
        [keyspace],
      );
      expect(tables.rows.map((r) => [r.table_name, r.gc_grace_seconds]).sort()).toEqual([
        ['sessions', 7200],
        ['sessions_by_user', 7200],
      ]);
    } finally {
      await store.close();
    }
    await roundTrip(cassandraUrl);
    const again = await sessionkit('schema', cassandraUrl, '--apply');
    expect(again.code, again.stderr).toBe(ExitCode.Ok);
    expect(again.stdout).toMatch(/keyspace and tables created \(or already there\)/);
  });

  it('creates a fresh DynamoDB table with its user-index GSI (TTL where the server has it); again: checked', async () => {
    const first = await sessionkit('schema', dynamoUrl, '--apply', '--json');
    expect(first.code, first.stdout + first.stderr).toBe(ExitCode.Ok);
    // dynalite implements no UpdateTimeToLive: the adapter reports 'unsupported' there, 'enabled' on AWS.
    expect(json(first)).toMatchObject({ applied: [{ backend: 'dynamodb', created: true, ttl: 'unsupported' }] });
    const store = await openStore(dynamoUrl, { provision: false });
    try {
      if (!(store instanceof DynamoDBSessionStore)) throw new TypeError('not a DynamoDB store');
      const described = await store.client.send(new DescribeTableCommand({ TableName: table }));
      expect(described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byUser']);
    } finally {
      await store.close();
    }
    await roundTrip(dynamoUrl);
    const again = await sessionkit('schema', dynamoUrl, '--apply');
    expect(again.code, again.stderr).toBe(ExitCode.Ok);
    expect(again.stdout).toMatch(/table already there \(key schema and index checked\)/);
  });

  it('exits 3 when the backend cannot be reached', async () => {
    const port = await closedPort();
    const result = await sessionkit('schema', `cassandra://127.0.0.1:${port}/unreachable_ks`, '--apply', '--json');
    expect(result.code).toBe(ExitCode.Unreachable);
    expect(json(result)).toMatchObject({ error: { code: 'STORE_UNAVAILABLE', store: 'cassandra', exitCode: 3 } });
    const dynamo = await sessionkit('schema', `dynamodb://127.0.0.1:${port}/unreachable`, '--apply');
    expect(dynamo.code).toBe(ExitCode.Unreachable);
    expect(dynamo.stderr).toMatch(/^sessionkit: /m);
  });
});
