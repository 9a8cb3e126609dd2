/**
 * `sessionkit copy` from Redis to a tiered pair (a Redis cache in front of Cassandra), the built binary against
 * the real servers: 100,000 sessions, the counts checked, both tiers holding every session once, and a random
 * sample of 500 verified byte for byte through the pair and in each tier. Prints the throughput as `[figures]`.
 */
import type { SessionStore } from '@sessionkit/core';
import { TieredStore } from '@sessionkit/tiered';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cassandraRows,
  cassandraStore,
  cassandraUrl,
  copyJson,
  countRedisSessions,
  createKeyspace,
  deleteRedisPrefix,
  dropKeyspace,
  expectSameSessions,
  expectUserLists,
  redisStore,
  redisUrl,
  runCli,
  type Seeded,
  sample,
  seed,
  uniqueKeyspace,
  uniquePrefix,
} from './copy-fixtures.js';

const SESSIONS = 100_000;
/** This file's own Redis databases: the source, and the cache tier of the target (see copy-fixtures.ts). */
const SOURCE_DB = 12;
const CACHE_DB = 13;
const prefix = uniquePrefix('tiered');
const keyspace = uniqueKeyspace('tiered');

let source: SessionStore;
let cache: SessionStore;
let durable: SessionStore;
let tiered: TieredStore;
let seeded: Seeded;

beforeAll(async () => {
  await createKeyspace(keyspace);
  source = redisStore(SOURCE_DB, prefix);
  seeded = await seed(source, SESSIONS);
  console.log(`[figures] seeded ${SESSIONS} sessions into Redis in ${(seeded.ms / 1000).toFixed(1)} s`);
  cache = redisStore(CACHE_DB, prefix);
  durable = await cassandraStore(keyspace);
  tiered = new TieredStore({ cache, durable });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([source?.close(), tiered?.close()]);
  await Promise.all([deleteRedisPrefix(SOURCE_DB, prefix), deleteRedisPrefix(CACHE_DB, prefix)]);
  await dropKeyspace(keyspace);
}, 120_000);

describe('sessionkit copy redis -> tiered redis + cassandra', () => {
  it('copies 100,000 sessions into both tiers: counts, every session once, a sample of 500 byte for byte', async () => {
    const to = `tiered:${redisUrl(CACHE_DB, prefix)}|${cassandraUrl(keyspace)}`;
    const run = await runCli(['copy', '--from', redisUrl(SOURCE_DB, prefix), '--to', to, '--json']);
    const json = copyJson(run);
    expect(run.code, run.stderr).toBe(0);
    expect(json.outcome).toBe('completed');
    expect(json.counts).toEqual({ copied: SESSIONS, skippedExpired: 0, skippedExisting: 0, failed: 0 });
    console.log(
      `[figures] copy redis -> tiered(redis+cassandra): ${SESSIONS} sessions in ${json.run.seconds.toFixed(1)} s = ${json.run.sessionsPerSecond} sessions/s (process ${(run.ms / 1000).toFixed(1)} s)`,
    );

    const rows = await cassandraRows(keyspace);
    expect(rows.sessions.length).toBe(SESSIONS);
    expect(new Set(rows.sessions).size).toBe(SESSIONS);
    expect(rows.indexEntries).toBe(SESSIONS - seeded.anonymous);
    expect(await countRedisSessions(CACHE_DB, prefix)).toBe(SESSIONS);

    const picked = sample(seeded.keys, 500);
    await expectSameSessions(source, tiered, picked);
    // Each tier on its own: the durable store (source of truth) and the cache hold the same bytes.
    await expectSameSessions(source, durable, picked.slice(0, 100));
    await expectSameSessions(source, cache, picked.slice(100, 200));
    await expectUserLists(tiered, seeded, sample([...seeded.perUser.keys()], 200));
  }, 480_000);
});
