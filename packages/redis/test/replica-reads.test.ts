/**
 * `readFromReplicas` really reads replicas: the master and its replica are made to hold different values under
 * the same key, so the value a read returns says which node answered it. An `'eventual'` read must return the
 * replica's value and a `'strong'` read the master's, on Sentinel and on Redis Cluster (where the adapter's
 * `readFromReplicas` opens a `scaleReads: 'slave'` client). A test that only checks that an `'eventual'` read
 * finds the session would also pass if every read went to the master.
 *
 * Two ways to make the copies differ, both undone in `finally`:
 * - a value only the replica has: `CONFIG SET replica-read-only no` on the replica and a write there (its own
 *   writes are not replicated anywhere). Sentinel only: a Cluster replica redirects every write to its master
 *   with `MOVED`, whatever `replica-read-only` says;
 * - a value only the master has: a Lua script on the master that calls `redis.set_repl(redis.REPL_NONE)`
 *   before writing, so the write is neither replicated nor sent to the AOF. Works on both topologies.
 * Values are encoded with the adapter's own record codec (`@sessionkit/redis/internal`).
 */
import { randomBytes } from 'node:crypto';
import { endpoints } from '@sessionkit/test-servers';
import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { RedisSessionStore } from '../src/index.js';
import { decodeRecord, encodeRecord } from '../src/internal.js';
import { openStore, session, until, untilEverySlotHasReplica } from './helpers.js';
import { otherDataPort, untilSentinelsAgree } from './sentinel.js';

const prefix = () => `skr-replica-${randomBytes(4).toString('hex')}:`;
const key = () => randomBytes(32).toString('base64url');
const text = (s: string) => new TextEncoder().encode(s);
const decoded = (data: Uint8Array | undefined) => (data === undefined ? undefined : new TextDecoder().decode(data));
/** The data of the raw record `value`, as text (the adapter's own decoder). */
const rawData = (value: Buffer | null) => decoded(value === null ? undefined : decodeRecord(value)?.data);

/** Writes `value` under `key` on the master the script runs on, without replicating it (see the module comment). */
const UNREPLICATED_SET = `redis.set_repl(redis.REPL_NONE)
return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])`;

/** How many reads of each kind are checked once the replica path is in use: all of them must agree. */
const READS = 20;

/** A raw connection to one node. */
function node(host: string, port: number): Redis {
  const client = new Redis({ host, port, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return client;
}

/** Waits until `replica` holds exactly the bytes `master` holds under `redisKey` (replication is asynchronous). */
async function untilReplicated(master: Redis | Cluster, replica: Redis, redisKey: string): Promise<void> {
  const expected = await master.getBuffer(redisKey);
  expect(expected, 'the master holds the record').not.toBeNull();
  await until(
    async () => (await replica.getBuffer(redisKey))?.equals(expected!) === true,
    5_000,
    'the replica to receive the record',
  );
}

/**
 * Reads `k` with `consistency` until the data reads `want` (the store's replica connection may still be
 * connecting: until then an 'eventual' read falls back to the master by design), then checks that
 * {@link READS} more reads all return `want`.
 */
async function expectReads(
  store: RedisSessionStore,
  k: string,
  consistency: 'eventual' | 'strong',
  want: string | null,
): Promise<void> {
  const read = async () => {
    const found = await store.get(k, { consistency });
    return found === null ? null : decoded(found.data);
  };
  await until(async () => (await read()) === want, 5_000, `an '${consistency}' read to return ${String(want)}`);
  for (let i = 0; i < READS; i++) expect(await read(), `'${consistency}' read #${i}`).toBe(want);
}

describe("readFromReplicas: 'eventual' reads are served by a replica, 'strong' reads by the master", () => {
  it.skipIf(endpoints.redisSentinel.external)(
    'Sentinel (skipped when SESSIONKIT_REDIS_SENTINELS points elsewhere: it reconfigures the replica): a value only the replica has is read eventually, never strongly; a value only the master has, the reverse',
    async () => {
      const master = await untilSentinelsAgree(10_000);
      const replicaPort = otherDataPort(master);
      const p = prefix();
      const store = openStore('sentinel', p, { readFromReplicas: true });
      const masterRaw = node('127.0.0.1', master);
      const replicaRaw = node('127.0.0.1', replicaPort);
      const onReplica = key(); // master: "master"; replica: overwritten with "replica"
      const replicaOnly = key(); // only on the replica
      const masterOnly = key(); // master: overwritten with "master-only" unreplicated; replica: "both"
      const [previousReadOnly] = ((await replicaRaw.call('CONFIG', 'GET', 'replica-read-only')) as string[]).slice(1);
      try {
        expect(
          ((await replicaRaw.call('ROLE')) as string[])[0],
          'the node the sentinels do not name is a replica',
        ).toBe('slave');
        expect(store.capabilities.strongReads).toBe(true);
        const expiresAt = Date.now() + 120_000;
        expect(await store.create(onReplica, session({ data: text('master'), expiresAt }))).toBe(true);
        expect(await store.create(masterOnly, session({ data: text('both'), expiresAt }))).toBe(true);
        await untilReplicated(masterRaw, replicaRaw, p + onReplica);
        await untilReplicated(masterRaw, replicaRaw, p + masterOnly);

        // The replica's own writes: it accepts them only while replica-read-only is off.
        await replicaRaw.call('CONFIG', 'SET', 'replica-read-only', 'no');
        const onReplicaValue = encodeRecord(session({ data: text('replica'), version: 7, expiresAt }), 0);
        await replicaRaw.set(p + onReplica, onReplicaValue, 'PX', 120_000);
        await replicaRaw.set(p + replicaOnly, onReplicaValue, 'PX', 120_000);
        // The master's unreplicated write.
        const masterOnlyValue = encodeRecord(session({ data: text('master-only'), version: 9, expiresAt }), 0);
        await masterRaw.eval(UNREPLICATED_SET, 1, p + masterOnly, masterOnlyValue, 120_000);
        expect(rawData(await replicaRaw.getBuffer(p + masterOnly)), 'the replica kept its copy').toBe('both');

        await expectReads(store, onReplica, 'eventual', 'replica');
        await expectReads(store, onReplica, 'strong', 'master');
        await expectReads(store, replicaOnly, 'eventual', 'replica');
        await expectReads(store, replicaOnly, 'strong', null);
        await expectReads(store, masterOnly, 'eventual', 'both');
        await expectReads(store, masterOnly, 'strong', 'master-only');
        expect((await store.get(onReplica, { consistency: 'strong' }))?.version).toBe(1);
        expect((await store.get(onReplica))?.version, "'eventual' is the default").toBe(7);
      } finally {
        // The replica's own keys go first, while it still accepts writes; the master's DELs replicate.
        try {
          await replicaRaw.del(p + onReplica, p + replicaOnly);
        } finally {
          await replicaRaw.call('CONFIG', 'SET', 'replica-read-only', previousReadOnly ?? 'yes');
          await masterRaw.del(p + onReplica, p + masterOnly);
          await Promise.all([store.close(), masterRaw.quit(), replicaRaw.quit()]);
        }
      }
    },
  );

  it("Cluster: a value only the slot's master has is read strongly; 'eventual' reads return the replica's copy", async () => {
    const p = prefix();
    const store = openStore('cluster', p, { readFromReplicas: true });
    const k = key();
    let masterRaw: Redis | undefined;
    let replicaRaw: Redis | undefined;
    try {
      expect(store.capabilities.strongReads).toBe(true);
      const cluster = store.client as Cluster;
      await store.connect();
      // The master and replica serving k's slot right now (earlier fault tests may have moved masters around, and
      // a node they restarted is listed again only once gossip has cleared it).
      const slot = (await cluster.call('CLUSTER', 'KEYSLOT', p + k)) as number;
      const slots = await untilEverySlotHasReplica();
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      expect(range, `a range serves slot ${slot}`).toBeDefined();
      const [master, replica] = range!.slice(2) as [string, number, string][];
      expect(replica, 'the slot has a replica').toBeDefined();
      masterRaw = node(master![0], master![1]);
      replicaRaw = node(replica![0], replica![1]);
      await replicaRaw.call('READONLY'); // a cluster replica answers reads only after READONLY

      const expiresAt = Date.now() + 120_000;
      expect(await store.create(k, session({ data: text('both'), expiresAt }))).toBe(true);
      await untilReplicated(masterRaw, replicaRaw, p + k);
      const masterOnlyValue = encodeRecord(session({ data: text('master-only'), version: 9, expiresAt }), 0);
      await masterRaw.eval(UNREPLICATED_SET, 1, p + k, masterOnlyValue, 120_000);
      expect(rawData(await replicaRaw.getBuffer(p + k)), 'the replica kept its copy').toBe('both');

      await expectReads(store, k, 'eventual', 'both');
      await expectReads(store, k, 'strong', 'master-only');
      expect((await store.get(k))?.version, "'eventual' is the default").toBe(1);
    } finally {
      try {
        await store.delete(k); // on the master; the DEL replicates
      } finally {
        await Promise.all([store.close(), masterRaw?.quit(), replicaRaw?.quit()]);
      }
    }
  });
});
