/**
 * `sessionkit copy` from Redis to Cassandra, the built binary against the real servers: 100,000 sessions, the
 * counts checked, every row present once (sessions table and per-user index), and a random sample of 500
 * verified byte for byte. Prints the copy throughput as a `[figures]` line.
 */
import type { SessionStore } from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cassandraRows,
  cassandraStore,
  cassandraUrl,
  copyJson,
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
/** This file's own Redis database (see copy-fixtures.ts). */
const DB = 11;
const prefix = uniquePrefix('cass');
const keyspace = uniqueKeyspace('cass');

let source: SessionStore;
let target: SessionStore;
let seeded: Seeded;

beforeAll(async () => {
  await createKeyspace(keyspace);
  source = redisStore(DB, prefix);
  seeded = await seed(source, SESSIONS);
  console.log(`[figures] seeded ${SESSIONS} sessions into Redis in ${(seeded.ms / 1000).toFixed(1)} s`);
  target = await cassandraStore(keyspace);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([source?.close(), target?.close()]);
  await deleteRedisPrefix(DB, prefix);
  await dropKeyspace(keyspace);
}, 120_000);

describe('sessionkit copy redis -> cassandra', () => {
  it('copies 100,000 sessions: counts, every row once, a sample of 500 byte for byte', async () => {
    const run = await runCli(['copy', '--from', redisUrl(DB, prefix), '--to', cassandraUrl(keyspace), '--json']);
    const json = copyJson(run);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(''); // --json: nothing but the final document
    expect(json.outcome).toBe('completed');
    expect(json.counts).toEqual({ copied: SESSIONS, skippedExpired: 0, skippedExisting: 0, failed: 0 });
    expect(json.run.scanned).toBe(SESSIONS);
    console.log(
      `[figures] copy redis -> cassandra: ${SESSIONS} sessions in ${json.run.seconds.toFixed(1)} s = ${json.run.sessionsPerSecond} sessions/s (process ${(run.ms / 1000).toFixed(1)} s)`,
    );

    const rows = await cassandraRows(keyspace);
    expect(rows.sessions.length).toBe(SESSIONS);
    expect(new Set(rows.sessions).size).toBe(SESSIONS);
    expect(rows.indexEntries).toBe(SESSIONS - seeded.anonymous);

    await expectSameSessions(source, target, sample(seeded.keys, 500));
    await expectUserLists(target, seeded, sample([...seeded.perUser.keys()], 200));
  }, 480_000);
});
