/**
 * `scan` at scale on the test node: tables of their own (dropped afterwards) seeded with a few thousand
 * records plus another prefix's rows, an expired one and a foreign row, walked with small limits (every key
 * once, pages within the limit), resumed by another client, and timed with limit 1000 (a `[figures]` line).
 * Rows are written with plain INSERTs (the same columns and TTL rule the store writes): seeding through LWT
 * creates would take minutes on the 2-core test machine, and scan only reads.
 */
import { expectOnceEach, scanAll } from '@sessionkit/conformance';
import { ConfigurationError, generateSessionId, hashSessionId, mapLimit } from '@sessionkit/core';
import type { Client } from 'cassandra-driver';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CassandraSessionStore } from '../src/index.js';
import { createSchema } from '../src/index.js';
import { ensureSchema, KEYSPACE, newClient, openStore } from './helpers.js';

const SUFFIX = Math.random().toString(36).slice(2, 8);
const TABLE = `scan_${SUFFIX}`;
const USER_TABLE = `scan_by_user_${SUFFIX}`;
const PREFIX = 'scan:';
const OTHER_PREFIX = 'scan-other:';
const LIVE = 3000;
const newKey = (): string => hashSessionId(generateSessionId());
const bigint = (n: number) => cassandra.types.Long.fromNumber(n);

const keys: string[] = [];
let client: Client;
let store: CassandraSessionStore;

/** Writes a session row as the store lays it out, at LOCAL_QUORUM. */
async function insertRow(fullKey: string, i: number, expiresAt: number, ttlSeconds: number): Promise<void> {
  await client.execute(
    `INSERT INTO ${KEYSPACE}.${TABLE} (key, data, version, expires_at, user_id, write_id) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,
    [
      fullKey,
      Buffer.from(`{"n":${i}}`),
      bigint(1 + (i % 3)),
      bigint(expiresAt),
      i % 4 === 0 ? `user-${i % 50}` : null,
      cassandra.types.Uuid.random(),
      ttlSeconds,
    ],
    { prepare: true, consistency: cassandra.types.consistencies.localQuorum },
  );
}

beforeAll(async () => {
  await ensureSchema();
  client = newClient();
  await createSchema(client, { keyspace: KEYSPACE, table: TABLE, userTable: USER_TABLE });
  store = openStore({ table: TABLE, userTable: USER_TABLE, keyPrefix: PREFIX, operationTimeoutMs: 10_000 });
  const future = Date.now() + 30 * 60_000;
  for (let i = 0; i < LIVE; i++) keys.push(newKey());
  await mapLimit(
    keys.map((k, i) => [k, i] as const),
    32,
    ([k, i]) => insertRow(PREFIX + k, i, future, 1800),
  );
  await mapLimit(
    Array.from({ length: 200 }, (_, i) => i),
    32,
    (i) => insertRow(OTHER_PREFIX + newKey(), i, future, 1800),
  );
  // Past expires_at while its TTL still runs (as in the second the whole-second TTL rounds up), and a row
  // under our prefix lacking the record's columns: neither is a live session.
  await insertRow(`${PREFIX}${newKey()}`, 0, Date.now() - 1, 60);
  await client.execute(
    `INSERT INTO ${KEYSPACE}.${TABLE} (key, version) VALUES (?, ?) USING TTL 60`,
    [`${PREFIX}foreign`, bigint(1)],
    { prepare: true },
  );
}, 180_000);

afterAll(async () => {
  await store?.close();
  if (client) {
    await client.execute(`DROP TABLE IF EXISTS ${KEYSPACE}.${TABLE}`);
    await client.execute(`DROP TABLE IF EXISTS ${KEYSPACE}.${USER_TABLE}`);
    await client.shutdown();
  }
}, 60_000);

describe('CassandraSessionStore.scan at scale', () => {
  it(`lists each of ${LIVE} live records exactly once with limit 7, every page within the limit`, async () => {
    const walk = await scanAll(store, 7);
    expectOnceEach(walk.entries, keys, 'records listed');
    expect(walk.entries.length, 'nothing else listed (other prefix, expired, foreign row)').toBe(LIVE);
    expect(walk.largestPage, 'largest page').toBeLessThanOrEqual(7);
    // 3,202 rows in the table, 7 examined per call.
    expect(walk.pages).toBe(Math.ceil(3202 / 7));
  }, 120_000);

  it('lists every record as get returns it', async () => {
    const walk = await scanAll(store, 250);
    for (const { key, session } of walk.entries.filter((_, i) => i % 100 === 0)) {
      expect(session).toEqual(await store.get(key, { consistency: 'strong' }));
    }
  });

  it('resumes from a cursor in another client (as after a restart), eventual reads too', async () => {
    const first = await store.scan({ limit: 500 });
    const again = openStore({ table: TABLE, userTable: USER_TABLE, keyPrefix: PREFIX, operationTimeoutMs: 10_000 });
    try {
      expect(first.cursor).toBeDefined();
      const rest: typeof first.entries = [];
      let cursor = first.cursor;
      while (cursor !== undefined) {
        const page = await again.scan({ cursor, limit: 500, consistency: 'eventual' });
        rest.push(...page.entries);
        cursor = page.cursor;
      }
      expectOnceEach([...first.entries, ...rest], keys, 'records listed across the two clients');
    } finally {
      await again.close();
    }
  });

  it('refuses malformed cursors with ConfigurationError', async () => {
    const max = (2n ** 63n).toString();
    for (const cursor of ['x', 't1.0.', 't1.x.YQ', `t1.${max}.YQ`, 't1.0.YR', 't2.0.YQ']) {
      await expect(store.scan({ cursor }), cursor).rejects.toBeInstanceOf(ConfigurationError);
    }
  });

  it('measures records/s with limit 1000', async () => {
    const started = performance.now();
    const walk = await scanAll(store, 1000);
    const ms = performance.now() - started;
    expectOnceEach(walk.entries, keys, 'records listed');
    expect(walk.largestPage).toBeLessThanOrEqual(1000);
    console.log(
      `[figures] cassandra scan (1 node, LOCAL_QUORUM, table of 3,202 rows): ${walk.entries.length} records in ` +
        `${walk.pages} pages of limit 1000, ${ms.toFixed(0)} ms, ${Math.round((walk.entries.length / ms) * 1000)} records/s`,
    );
    expect(walk.entries.length).toBe(LIVE);
  });
});
