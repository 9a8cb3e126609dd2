/**
 * Cassandra benchmark, two comparisons on the single node from services/ (127.0.0.1:19042):
 *
 * 1. One session read + compare-and-set update through `CassandraSessionStore` (get at LOCAL_ONE; update =
 *    per-user index INSERT, then `UPDATE ... IF version = ? AND expires_at > ? AND user_id = ?` at
 *    LOCAL_QUORUM / LOCAL_SERIAL) against raw cassandra-driver sending the very same three prepared
 *    statements with the same options, on the same client. Target: >= 0.9x.
 * 2. The cost of CAS itself: the raw LWT `UPDATE ... IF version = ? ...` against the same UPDATE without the
 *    IF clause (a plain write), both raw driver. Reported, no target: Paxos is 4 round trips instead of 1.
 *
 * Same concurrency, one key per worker, measured alternately in the same run (see lib/measure.ts); the first
 * comparison is judged on the median of 8 paired rounds.
 * Run alone: `npx tsx bench/src/cassandra.ts [--quick]` (needs `node services/bin/services.mjs up cassandra`).
 */

import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { buildStatements, usingTtl } from '@sessionkit/cassandra/internal';
import { generateSessionId, hashSessionId } from '@sessionkit/core';
import { endpoints } from '@sessionkit/test-servers';
import cassandra from 'cassandra-driver';
import { type BenchResult, compare, printResults } from './lib/measure.js';
import { getAndUpdate } from './lib/store-operations.js';

const KEYSPACE = 'sessionkit_bench';
const PAYLOAD_BYTES = 1024;
const CONCURRENCY = 16;
const TTL_MS = 30 * 60_000;
const OPERATION_TIMEOUT_MS = 5_000;

const { Long, Uuid, consistencies } = cassandra.types;

/** Runs the Cassandra comparisons. */
export async function runCassandraBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const { contactPoints, localDataCenter } = endpoints.cassandra;
  // One client for both sides, configured as the store configures a client it creates for itself.
  const client = new cassandra.Client({
    contactPoints,
    localDataCenter,
    socketOptions: { connectTimeout: 5_000, readTimeout: OPERATION_TIMEOUT_MS },
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(200, 5_000, false) },
  });
  const results: BenchResult[] = [];
  try {
    await client.connect();
    await createSchema(client, {
      keyspace: KEYSPACE,
      replication: { class: 'NetworkTopologyStrategy', [localDataCenter]: 1 },
    });
    const storePrefix = `skb-${randomBytes(4).toString('hex')}:`;
    const rawPrefix = `skb-raw-${randomBytes(4).toString('hex')}:`;
    const store = new CassandraSessionStore({
      client,
      keyspace: KEYSPACE,
      keyPrefix: storePrefix,
      operationTimeoutMs: OPERATION_TIMEOUT_MS,
    });
    const rawSide = new CassandraSessionStore({ client, keyspace: KEYSPACE, keyPrefix: rawPrefix });
    const plainPrefix = `skb-plain-${randomBytes(4).toString('hex')}:`;
    const plainSide = new CassandraSessionStore({ client, keyspace: KEYSPACE, keyPrefix: plainPrefix });
    const st = buildStatements(KEYSPACE, 'sessions', 'sessions_by_user');
    // The same UPDATE as the LWT, minus its IF clause: what a store without compare-and-set would send.
    const plainUpdate = st.updateIfVersion.slice(0, st.updateIfVersion.indexOf(' IF '));

    const payload = randomBytes(PAYLOAD_BYTES);
    const keys = Array.from({ length: CONCURRENCY }, () => hashSessionId(generateSessionId()));
    const user = (i: number) => `bench-user-${i}`;
    for (const [i, k] of keys.entries()) {
      const session = { data: payload, version: 1, expiresAt: Date.now() + TTL_MS, userId: user(i) };
      await store.create(k, session);
      await rawSide.create(k, session); // same row layout, own prefix
      await plainSide.create(k, session);
    }

    const lwtOptions = {
      prepare: true,
      consistency: consistencies.localQuorum,
      serialConsistency: consistencies.localSerial,
      isIdempotent: false,
      readTimeout: OPERATION_TIMEOUT_MS,
    };
    const writeOptions = {
      prepare: true,
      consistency: consistencies.localQuorum,
      isIdempotent: true,
      readTimeout: OPERATION_TIMEOUT_MS,
    };
    const readOptions = {
      prepare: true,
      consistency: consistencies.localOne,
      isIdempotent: true,
      readTimeout: OPERATION_TIMEOUT_MS,
    };

    /** The raw statements the store sends for an update: index entry, then the LWT. */
    async function rawCasUpdate(worker: number, version: number, withIndex: boolean): Promise<boolean> {
      const k = keys[worker]!;
      const now = Date.now();
      const expiresAt = now + TTL_MS;
      const ttl = usingTtl(expiresAt, now, 0);
      if (withIndex) {
        await client.execute(
          st.indexPut,
          [rawPrefix, user(worker), k, Long.fromNumber(expiresAt), ttl, Long.fromNumber(expiresAt * 1000)],
          writeOptions,
        );
      }
      const rs = await client.execute(
        st.updateIfVersion,
        [
          ttl,
          payload,
          Long.fromNumber(version + 1),
          Long.fromNumber(expiresAt),
          user(worker),
          Uuid.random(),
          rawPrefix + k,
          Long.fromNumber(version),
          Long.fromNumber(now),
          user(worker),
        ],
        lwtOptions,
      );
      return rs.wasApplied();
    }

    let conflicts = 0;
    const first = await compare(
      {
        name: `CassandraSessionStore get + CAS update (${PAYLOAD_BYTES} B, c=${CONCURRENCY})`,
        baseline: 'raw cassandra-driver: same SELECT + index INSERT + LWT UPDATE, same options',
        target: { min: 0.9, label: '>= 0.9x' },
      },
      async (worker) => {
        if (!(await getAndUpdate(store, keys[worker]!, payload, TTL_MS))) conflicts++;
      },
      async (worker) => {
        const rs = await client.execute(st.selectRow, [rawPrefix + keys[worker]!], readOptions);
        const version = Number(rs.first()!.get('version'));
        if (!(await rawCasUpdate(worker, version, true))) conflicts++;
      },
      // Paired rounds, median of the per-round ratios: the single node's throughput drifts between windows (docs/benchmarks.md).
      {
        durationMs: opts.quick ? 1_000 : 3_000,
        concurrency: CONCURRENCY,
        rounds: opts.quick ? 3 : 8,
        aggregate: 'paired-median',
      },
    );
    first.notes =
      `${conflicts === 0 ? 'no conflicts' : `${conflicts} unexpected conflicts`} (one key per worker); ` +
      `an op = 1 read + 1 index write + 1 LWT (Paxos: 4 round trips); ${first.notes}`;
    results.push(first);

    // CAS vs plain write, raw driver on both sides, no index write.
    const versions = new Array<number>(CONCURRENCY).fill(1);
    const second = await compare(
      {
        name: `raw LWT UPDATE ... IF version = ? (CAS, ${PAYLOAD_BYTES} B, c=${CONCURRENCY})`,
        baseline: 'the same UPDATE without IF (plain write, LOCAL_QUORUM)',
      },
      async (worker) => {
        if (await rawCasUpdate(worker, versions[worker]!, false)) versions[worker]!++;
        else conflicts++;
      },
      async (worker) => {
        const k = keys[worker]!;
        const now = Date.now();
        const expiresAt = now + TTL_MS;
        await client.execute(
          plainUpdate,
          [
            usingTtl(expiresAt, now, 0),
            payload,
            Long.fromNumber(2),
            Long.fromNumber(expiresAt),
            user(worker),
            Uuid.random(),
            plainPrefix + k,
          ],
          writeOptions,
        );
      },
      { durationMs: opts.quick ? 1_000 : 4_000, concurrency: CONCURRENCY, rounds: 3 },
    );
    second.notes = `CAS costs ${(1 / second.ratio).toFixed(1)}x a plain write in throughput; p50 ${second.p50Ms?.toFixed(1)} ms vs ${second.baselineP50Ms?.toFixed(1)} ms`;
    results.push(second);

    for (let i = 0; i < keys.length; i++) {
      await store.deleteByUser(user(i));
      await rawSide.deleteByUser(user(i));
      await plainSide.deleteByUser(user(i));
    }
    await Promise.all([store.close(), rawSide.close(), plainSide.close()]);
    return results;
  } finally {
    await client.shutdown();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runCassandraBench({ quick: process.argv.includes('--quick') });
  printResults(results);
  for (const r of results) if (r.notes) console.log(`${r.name}: ${r.notes}`);
}
