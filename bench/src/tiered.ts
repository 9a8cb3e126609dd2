/**
 * Tiered benchmark: `TieredStore` with `RedisSessionStore` as the cache and `CassandraSessionStore` as the
 * durable store (the test servers from services/), against each tier alone. All stores hold the same 1 KiB
 * record under their own prefix; each comparison alternates subject and baseline in the same run.
 *
 * 1. Warm read (the record is in the cache) p50 through Redis+Cassandra vs Redis alone: target <= 1.2x.
 * 2. The same warm read vs Cassandra alone (LOCAL_ONE read): target <= 0.5x.
 * 3. Write (compare-and-set update) latency through the tiered store vs the durable store alone: reported.
 *    A tiered write is durable first, then cache, so it costs about one Cassandra LWT plus one Redis write.
 *
 * Latency rows: `ratio` is p50 / baseline p50 (lower is better), measured at concurrency 1 (pure latency,
 * no queueing). The near cache is off (the default).
 *
 * Run alone: `npx tsx bench/src/tiered.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { generateSessionId, hashSessionId, type SessionStore } from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { endpoints } from '@sessionkit/test-servers';
import { TieredStore } from '@sessionkit/tiered';
import cassandra from 'cassandra-driver';
import { type BenchResult, compare, printResults } from './lib/measure.js';

const KEYSPACE = 'sessionkit_bench';
const PAYLOAD_BYTES = 1024;
const TTL_MS = 30 * 60_000;
const OPERATION_TIMEOUT_MS = 10_000;

/** Turns a throughput comparison into a p50 latency comparison (ratio = p50 / baseline p50). */
function latencyRow(r: BenchResult, target?: { max: number; label: string }): BenchResult {
  const ratio = r.p50Ms! / r.baselineP50Ms!;
  const row: BenchResult = {
    ...r,
    ratio,
    notes: `${r.notes ? `${r.notes}; ` : ''}ratio = p50 latency / baseline p50 (lower is better), c=1`,
  };
  if (target) {
    row.target = target.label;
    row.met = ratio <= target.max;
  } else {
    delete row.target;
    delete row.met;
  }
  return row;
}

/** Runs the tiered comparisons. */
export async function runTieredBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const { contactPoints, localDataCenter } = endpoints.cassandra;
  const client = new cassandra.Client({
    contactPoints,
    localDataCenter,
    socketOptions: { readTimeout: OPERATION_TIMEOUT_MS },
  });
  await client.connect();
  const redisUrl = new URL(endpoints.redis.url);
  const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };
  const prefix = `skb-tiered-${randomBytes(4).toString('hex')}:`;
  const stores: SessionStore[] = [];
  try {
    await createSchema(client, {
      keyspace: KEYSPACE,
      replication: { class: 'NetworkTopologyStrategy', [localDataCenter]: 1 },
    });
    const cache = new RedisSessionStore({ connection, keyPrefix: `${prefix}t:` });
    const durable = new CassandraSessionStore({
      client,
      keyspace: KEYSPACE,
      keyPrefix: `${prefix}t:`,
      operationTimeoutMs: OPERATION_TIMEOUT_MS,
    });
    const tiered = new TieredStore({ cache, durable });
    const redisAlone = new RedisSessionStore({ connection, keyPrefix: `${prefix}r:` });
    const cassandraAlone = new CassandraSessionStore({
      client,
      keyspace: KEYSPACE,
      keyPrefix: `${prefix}c:`,
      operationTimeoutMs: OPERATION_TIMEOUT_MS,
    });
    stores.push(tiered, redisAlone, cassandraAlone);

    const payload = randomBytes(PAYLOAD_BYTES);
    const key = hashSessionId(generateSessionId());
    const session = () => ({ data: payload, version: 1, expiresAt: Date.now() + TTL_MS });
    for (const store of [tiered, redisAlone, cassandraAlone]) {
      if (!(await store.create(key, session()))) throw new Error(`${store.name}: create failed`);
    }
    const warm = await tiered.get(key); // written through: already in the cache; read once more to be sure
    if (!warm) throw new Error('tiered: the record written is not readable');

    const options = { durationMs: opts.quick ? 500 : 2000, concurrency: 1, rounds: opts.quick ? 2 : 3 };
    const read = (store: SessionStore) => async () => {
      if (!(await store.get(key))) throw new Error(`${store.name}: miss`);
    };
    const results: BenchResult[] = [];
    results.push(
      latencyRow(
        await compare(
          {
            name: `TieredStore warm read p50 (Redis + Cassandra, ${PAYLOAD_BYTES} B)`,
            baseline: 'RedisSessionStore get alone',
          },
          read(tiered),
          read(redisAlone),
          options,
        ),
        { max: 1.2, label: '<= 1.2x (p50)' },
      ),
    );
    results.push(
      latencyRow(
        await compare(
          {
            name: `TieredStore warm read p50 (Redis + Cassandra, ${PAYLOAD_BYTES} B)`,
            baseline: 'CassandraSessionStore get alone (LOCAL_ONE)',
          },
          read(tiered),
          read(cassandraAlone),
          options,
        ),
        { max: 0.5, label: '<= 0.5x (p50)' },
      ),
    );

    const { cacheHits, cacheMisses, cacheErrors } = tiered.stats;
    const hitNote = `tiered cache hits ${cacheHits}, misses ${cacheMisses}, cache errors ${cacheErrors}`;
    for (const r of results) r.notes = `${hitNote}; ${r.notes}`;

    const versions = new Map<SessionStore, number>([
      [tiered, 1],
      [cassandraAlone, 1],
    ]);
    let conflicts = 0;
    const write = (store: SessionStore) => async () => {
      const version = versions.get(store)!;
      if (await store.update(key, { data: payload, version: version + 1, expiresAt: Date.now() + TTL_MS }, version)) {
        versions.set(store, version + 1);
      } else conflicts++;
    };
    const writes = latencyRow(
      await compare(
        {
          name: `TieredStore CAS update p50 (durable first, then cache, ${PAYLOAD_BYTES} B)`,
          baseline: 'CassandraSessionStore update alone',
        },
        write(tiered),
        write(cassandraAlone),
        options,
      ),
    );
    writes.notes = `reported, no target; p50 ${writes.p50Ms!.toFixed(2)} ms vs ${writes.baselineP50Ms!.toFixed(2)} ms; ${conflicts} conflicts; ${writes.notes}`;
    results.push(writes);

    for (const store of [tiered, redisAlone, cassandraAlone]) await store.delete(key);
    return results;
  } finally {
    await Promise.allSettled(stores.map((s) => s.close()));
    await client.shutdown();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runTieredBench({ quick: process.argv.includes('--quick') });
  printResults(results);
  for (const r of results) if (r.notes) console.log(`${r.name}: ${r.notes}`);
}
