/**
 * Consistency levels on the optional 2-node cluster (127.0.0.2 / 127.0.0.3, keyspace with replication factor
 * 2): with one node stopped, `'eventual'` reads (LOCAL_ONE) are still served by the other replica, while
 * `'strong'` reads (LOCAL_QUORUM = both replicas) and lightweight transactions (LOCAL_SERIAL = both) fail
 * with a typed StoreUnavailableError. The node is started again in `finally`.
 *
 * Needs `SESSIONKIT_CASSANDRA_CLUSTER=1` (then `services.mjs up` starts the cluster). With the variable set
 * and the cluster not up, the suite fails and says so; without it, it is skipped with that reason.
 */
import { randomBytes } from 'node:crypto';
import { type SessionKitError, StoreUnavailableError } from '@sessionkit/core';
import { endpoints, serverControl } from '@sessionkit/test-servers';
import type { Client } from 'cassandra-driver';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraSessionStore, createSchema } from '../src/index.js';
import { eventually, key, record } from './helpers.js';

const SKIP_REASON = '2-node cluster not started: set SESSIONKIT_CASSANDRA_CLUSTER=1';
const enabled = process.env.SESSIONKIT_CASSANDRA_CLUSTER === '1';
const KEYSPACE = 'sessionkit_rf2';
const STOPPED = 'cassandra-cluster-2' as const;

if (!enabled) {
  describe('CassandraSessionStore on a 2-node cluster (replication factor 2)', () => {
    it.skip(`one node down: 'eventual' reads work, 'strong' reads fail typed [skipped: ${SKIP_REASON}]`, () => {});
  });
} else {
  describe('CassandraSessionStore on a 2-node cluster (replication factor 2)', () => {
    let client: Client;
    let store: CassandraSessionStore;

    beforeAll(async () => {
      const states = await serverControl.status('cassandra-cluster-1', 'cassandra-cluster-2');
      const down = states.filter((s) => s.state !== 'up');
      if (!endpoints.cassandraCluster.external && down.length > 0) {
        throw new Error(
          `SESSIONKIT_CASSANDRA_CLUSTER=1 is set but the 2-node Cassandra cluster is not up ` +
            `(${states.map((s) => `${s.name}: ${s.state}`).join(', ')}). Start it with ` +
            '`SESSIONKIT_CASSANDRA_CLUSTER=1 node services/bin/services.mjs up` (or unset the variable to skip this test).',
        );
      }
      client = new cassandra.Client({
        contactPoints: endpoints.cassandraCluster.contactPoints,
        localDataCenter: endpoints.cassandraCluster.localDataCenter,
        socketOptions: { connectTimeout: 5000, readTimeout: 30_000 },
        policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(200, 5000, false) },
      });
      await client.connect();
      await createSchema(client, {
        keyspace: KEYSPACE,
        replication: { class: 'NetworkTopologyStrategy', [endpoints.cassandraCluster.localDataCenter]: 2 },
        gcGraceSeconds: 3600,
      });
      store = new CassandraSessionStore({
        client,
        keyspace: KEYSPACE,
        keyPrefix: `rf2-${randomBytes(4).toString('hex')}:`,
        operationTimeoutMs: 4000,
      });
    });

    afterAll(async () => {
      await store?.close();
      await client?.shutdown();
    });

    it("one node down: 'eventual' reads work, 'strong' reads and writes fail with StoreUnavailableError", async () => {
      const k = key();
      const written = record({ userId: 'rf2-user' });
      expect(await store.create(k, written)).toBe(true);
      expect((await store.get(k, { consistency: 'strong' }))?.version).toBe(1);

      try {
        await serverControl.stop(STOPPED);
        // LOCAL_ONE: the surviving replica answers (the driver retries an idempotent read on the other node
        // while it has not yet marked the stopped one down).
        const eventual = await eventually(() => store.get(k, { consistency: 'eventual' }), 30_000);
        expect(Buffer.from(eventual!.data).equals(Buffer.from(written.data))).toBe(true);
        for (let i = 0; i < 3; i++) expect((await store.get(k))?.version).toBe(1);

        // LOCAL_QUORUM of RF 2 needs both replicas: Unavailable (or a read timeout before the coordinator's
        // failure detector convicts the node) -> StoreUnavailableError. Same for the LWT (LOCAL_SERIAL).
        for (const [what, call] of [
          ['strong get', () => store.get(k, { consistency: 'strong' })],
          ['update', () => store.update(k, record({ version: 2, userId: 'rf2-user' }), 1)],
          ['listByUser', () => store.listByUser('rf2-user')],
        ] as const) {
          const error = await (call() as Promise<unknown>).then(
            () => new Error(`${what} succeeded with one of two replicas down`),
            (e: unknown) => e,
          );
          expect(error, what).toBeInstanceOf(StoreUnavailableError);
          expect((error as SessionKitError).store, what).toBe('cassandra');
        }
      } finally {
        await serverControl.start(STOPPED);
      }

      // Both replicas back: strong reads and LWTs work again.
      const current = await eventually(() => store.get(k, { consistency: 'strong' }), 60_000);
      // The update tried while a replica was down may have been accepted by the surviving one alone; a later
      // Paxos round may then complete it (that is Paxos, not a lost write). Continue from what is there.
      const version = current!.version;
      expect([1, 2]).toContain(version);
      expect(
        await eventually(() => store.update(k, record({ version: version + 1, userId: 'rf2-user' }), version), 30_000),
      ).toBe(true);
      expect(await store.deleteByUser('rf2-user')).toBe(1);
    });
  });
}
