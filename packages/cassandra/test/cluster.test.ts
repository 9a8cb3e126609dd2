/**
 * Consistency levels and a node's crash on the 2-node cluster that every `services.mjs up` starts
 * (`cassandra-cluster-1` on 127.0.0.2, `cassandra-cluster-2` on 127.0.0.3), keyspace with replication factor 2.
 * With RF 2, LOCAL_QUORUM and LOCAL_SERIAL need both replicas, LOCAL_ONE one of them:
 *
 * - Both nodes up: a session written through one coordinator is read `'strong'` through the other, for create,
 *   update and delete, in both directions (two stores, each pinned to one node by an allow-list load-balancing
 *   policy; the pins are checked with `system.local`). `'eventual'` reads see it too: a write acknowledged by
 *   both replicas (W 2 + R 1 > RF 2).
 * - `cassandra-cluster-2` SIGKILLed under load (4 writers: create, update, delete, strong read of their own
 *   sessions): once node 1's failure detector has convicted node 2, `'eventual'` reads of every session are
 *   served; `'strong'` reads and every write (each one is a lightweight transaction at LOCAL_SERIAL = both
 *   replicas, or starts with a strong read, or writes the index at LOCAL_QUORUM) fail at once with a retryable
 *   `StoreUnavailableError` (Cassandra's Unavailable). Before the conviction they fail at the deadline
 *   (`StoreTimeoutError`, also a `StoreUnavailableError`). No call outlives its deadline.
 * - Node 2 started again under the same load: `'strong'` is served again; every acknowledged session is there
 *   with its acknowledged version and data, and no session whose delete was acknowledged is back (checked with
 *   `'strong'` reads after the rejoin and by the writers' own strong reads throughout).
 *
 * No delete can be made while node 2 is down (a delete is an LWT: Paxos needs both replicas with RF 2), so the
 * resurrection check is on sessions deleted (acknowledged) just before and around the crash: node 2 loses its
 * last ~100 ms of commit log on SIGKILL, tombstones included.
 *
 * Prints one line `[figures] {...}` with the measured times and counts. Restarts only cassandra-cluster-2, and
 * always starts it again (`finally`).
 */
import { randomBytes } from 'node:crypto';
import {
  mapLimit,
  type SessionKitError,
  type StoredSession,
  StoreTimeoutError,
  StoreUnavailableError,
} from '@sessionkit/core';
import { endpoints, serverControl } from '@sessionkit/test-servers';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraSessionStore, createSchema } from '../src/index.js';
import { eventually, key, record, sleep } from './helpers.js';

const KEYSPACE = 'sessionkit_rf2';
const NODE1 = 'cassandra-cluster-1' as const;
const NODE2 = 'cassandra-cluster-2' as const;
/** Per-call deadline of the stores here: below Cassandra's 5 s read timeout, above its 2 s write timeout. */
const DEADLINE_MS = 4000;
/** Slack for the event loop on a loaded 2-core machine when checking that no call outlives its deadline. */
const LATE_MS = 1500;
const PREFIX = `rf2-${randomBytes(4).toString('hex')}:`;
const [NODE1_ADDRESS, NODE2_ADDRESS] = endpoints.cassandraCluster.contactPoints as [string, string];
const external = endpoints.cassandraCluster.external;

/**
 * A store on the cluster that creates (and guards) its own client. `pinned`: its client talks to the one node in
 * `contactPoints` only, so that node coordinates every request (an allow-list around the default DC-aware policy).
 */
function clusterStore(contactPoints: string[], pinned: boolean): CassandraSessionStore {
  const { localDataCenter, port } = endpoints.cassandraCluster;
  const { loadBalancing } = cassandra.policies;
  return new CassandraSessionStore({
    contactPoints,
    localDataCenter,
    keyspace: KEYSPACE,
    keyPrefix: PREFIX,
    operationTimeoutMs: DEADLINE_MS,
    clientOptions: {
      // cassandra-driver 4.10 reads peers from system.peers, which has no port: it needs the cluster's port.
      protocolOptions: { port },
      ...(pinned
        ? {
            policies: {
              loadBalancing: new loadBalancing.AllowListPolicy(
                new loadBalancing.DCAwareRoundRobinPolicy(localDataCenter),
                contactPoints,
              ),
            },
          }
        : {}),
    },
  });
}

/** What cassandra-driver 4.10 records for a host of the query plan it skipped because it marked it down. */
const SKIPPED_AS_DOWN = 'Host considered as DOWN';

/**
 * Whether a store error is Cassandra's Unavailable: the coordinator knew too few replicas were alive and refused
 * at once, before writing anything. The driver's default retry policy tries the next host once on Unavailable;
 * with the other node down (skipped by the driver) that ends in a NoHostAvailableError holding the Unavailable,
 * so that shape counts too, as long as no host answered anything else.
 */
function refusedOutright(error: unknown): boolean {
  const unavailable = (e: unknown) =>
    e instanceof cassandra.errors.ResponseError &&
    (e as { code: number }).code === cassandra.types.responseErrorCodes.unavailableException;
  const cause = (error as { cause?: unknown }).cause;
  if (unavailable(cause)) return true;
  if (cause instanceof cassandra.errors.NoHostAvailableError) {
    const perHost = Object.values((cause.innerErrors ?? {}) as Record<string, unknown>);
    return perHost.some(unavailable) && perHost.every((e) => unavailable(e) || e === SKIPPED_AS_DOWN);
  }
  return false;
}

/** A typed, retryable store error tagged `cassandra`; anything else is a bug. */
function assertRetryable(error: unknown, what: string): void {
  expect(error, what).toBeInstanceOf(StoreUnavailableError);
  expect((error as SessionKitError).retryable, what).toBe(true);
  expect((error as SessionKitError).store, what).toBe('cassandra');
}

/** What `call` resolved to or rejected with, and how long it took. */
async function timed<T>(
  call: () => Promise<T>,
): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    const value = await call();
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}

/** `Class` or `Class(driver error class)`, to tell the failures apart in the figures. */
const errorKind = (error: unknown): string => {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const name = (error as Error | undefined)?.constructor.name ?? String(error);
  return cause instanceof Error ? `${name}(${cause.constructor.name})` : name;
};

const countBy = (items: string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
};

const sameData = (got: StoredSession | null, want: StoredSession) =>
  got !== null && got.version === want.version && Buffer.from(got.data).equals(Buffer.from(want.data));

type Phase = 'up' | 'down' | 'restarting' | 'rejoined';

/**
 * A session a load writer made. `acked`: its last acknowledged state (a record, or 'deleted'); `pending`: the
 * write that failed after it, whose outcome is unknown (a timed-out LWT may still be completed by a later Paxos
 * round); such a session gets no more writes.
 */
interface Tracked {
  key: string;
  acked: StoredSession | 'deleted' | undefined;
  /** `refused`: the failure was an Unavailable refusal (see {@link refusedOutright}), so the row was not written. */
  pending?: { kind: 'create' | 'update'; record: StoredSession; refused: boolean } | { kind: 'delete' };
}

/** Counts and timings of the load writers, per phase. */
interface LoadStats {
  calls: number;
  failed: Record<Phase, number>;
  maxCallMs: number;
  /** Failures that are not a retryable StoreUnavailableError (must stay empty). */
  untyped: string[];
  /** update/delete answering false on a session only this writer touches, strong reads disagreeing with an ack. */
  anomalies: string[];
}

/**
 * Load writers on `store`, each on sessions of its own: create (with an owner, so the index is written too),
 * update, delete, and a strong read of one of its live sessions, which must return the acknowledged version.
 */
class Load {
  readonly tracked: Tracked[] = [];
  readonly stats: LoadStats = {
    calls: 0,
    failed: { up: 0, down: 0, restarting: 0, rejoined: 0 },
    maxCallMs: 0,
    untyped: [],
    anomalies: [],
  };
  #running = true;
  readonly #workers: Promise<void>[];

  constructor(
    readonly store: CassandraSessionStore,
    readonly phase: () => Phase,
    workers: number,
  ) {
    this.#workers = Array.from({ length: workers }, (_, i) => this.#worker(`rf2-load-${i}`));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
  }

  async #call<T>(
    what: string,
    call: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; refused: boolean }> {
    const phase = this.phase();
    const r = await timed(call);
    this.stats.calls++;
    this.stats.maxCallMs = Math.max(this.stats.maxCallMs, r.ms);
    if (r.ok) return { ok: true, value: r.value };
    this.stats.failed[phase]++;
    const e = r.error as SessionKitError;
    if (!(e instanceof StoreUnavailableError) || !e.retryable) this.stats.untyped.push(`${what}: ${String(e)}`);
    await sleep(100); // fast failures (node convicted) must not turn the writers into a busy loop
    return { ok: false, refused: refusedOutright(e) };
  }

  async #worker(userId: string): Promise<void> {
    const live: Tracked[] = [];
    while (this.#running) {
      const r = Math.random();
      if (live.length === 0 || r < 0.35) {
        const t: Tracked = { key: key(), acked: undefined };
        this.tracked.push(t);
        const rec = record({ userId });
        const res = await this.#call('create', () => this.store.create(t.key, rec));
        if (res.ok && res.value) {
          t.acked = rec;
          live.push(t);
        } else if (res.ok) this.stats.anomalies.push('create of a fresh key answered false');
        else t.pending = { kind: 'create', record: rec, refused: res.refused };
      } else {
        const t = live[Math.floor(Math.random() * live.length)] as Tracked;
        const current = t.acked as StoredSession;
        if (r < 0.55) {
          const res = await this.#call('delete', () => this.store.delete(t.key));
          live.splice(live.indexOf(t), 1);
          if (res.ok && res.value) t.acked = 'deleted';
          else if (res.ok) this.stats.anomalies.push('delete of a live session answered false');
          else t.pending = { kind: 'delete' };
        } else if (r < 0.75) {
          const next = record({ userId, version: current.version + 1 });
          const res = await this.#call('update', () => this.store.update(t.key, next, current.version));
          if (res.ok && res.value) t.acked = next;
          else if (res.ok) this.stats.anomalies.push('update at the acknowledged version answered false');
          else {
            t.pending = { kind: 'update', record: next, refused: res.refused };
            live.splice(live.indexOf(t), 1);
          }
        } else {
          const res = await this.#call('strong get', () => this.store.get(t.key, { consistency: 'strong' }));
          if (res.ok && !sameData(res.value, current)) {
            this.stats.anomalies.push(`strong read returned ${res.value ? `version ${res.value.version}` : 'null'}`);
          }
        }
      }
      await sleep(10);
    }
  }
}

/**
 * Reads one session that never changes, with timestamps: a `'strong'` read started every 250 ms whatever the
 * earlier ones do (so the moment node 2 is convicted, or serves again, is seen to within 250 ms even while the
 * reads before it wait for their deadline), and `'eventual'` reads one after the other, 100 ms apart.
 */
class Probe {
  readonly results: ProbeResult[] = [];
  #running = true;
  readonly #loops: Promise<void>[];
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    readonly store: CassandraSessionStore,
    readonly k: string,
    readonly want: StoredSession,
  ) {
    this.#loops = [this.#strongLoop(), this.#eventualLoop()];
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    await Promise.all(this.#inFlight);
  }

  async #read(level: 'strong' | 'eventual'): Promise<void> {
    const startedAt = Date.now();
    const r = await timed(() => this.store.get(this.k, { consistency: level }));
    this.results.push({
      level,
      startedAt,
      endedAt: Date.now(),
      ok: r.ok && sameData(r.value, this.want),
      unavailable: !r.ok && refusedOutright(r.error),
      timeout: !r.ok && r.error instanceof StoreTimeoutError,
      ...(r.ok ? {} : { error: r.error }),
    });
  }

  async #strongLoop(): Promise<void> {
    while (this.#running) {
      const read = this.#read('strong');
      this.#inFlight.add(read);
      void read.finally(() => this.#inFlight.delete(read));
      await sleep(250);
    }
  }

  async #eventualLoop(): Promise<void> {
    while (this.#running) {
      await this.#read('eventual');
      await sleep(100);
    }
  }

  /** The earliest-started result of `level` started at or after `since` that satisfies `test`. */
  first(level: 'strong' | 'eventual', since: number, test: (r: ProbeResult) => boolean): ProbeResult | undefined {
    return this.results
      .filter((r) => r.level === level && r.startedAt >= since && test(r))
      .sort((a, b) => a.startedAt - b.startedAt)[0];
  }
}

/** One probe read. `unavailable`: refused outright (see {@link refusedOutright}); `timeout`: ended at the deadline. */
interface ProbeResult {
  level: 'strong' | 'eventual';
  startedAt: number;
  endedAt: number;
  ok: boolean;
  unavailable: boolean;
  timeout: boolean;
  error?: unknown;
}

describe('CassandraSessionStore on the 2-node cluster (replication factor 2)', () => {
  /** Through both nodes (the driver picks the coordinator), as an application would be configured. */
  let viaBoth: CassandraSessionStore;
  /** Coordinated by cassandra-cluster-1 only / by cassandra-cluster-2 only. */
  let viaNode1: CassandraSessionStore;
  let viaNode2: CassandraSessionStore;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    if (!external) {
      const states = await serverControl.status(NODE1, NODE2);
      const down = states.filter((s) => s.state !== 'up');
      if (down.length > 0) {
        throw new Error(
          `the 2-node Cassandra cluster is not up (${states.map((s) => `${s.name}: ${s.state}`).join(', ')}); ` +
            'every `node services/bin/services.mjs up` starts it (or `... up cassandra-cluster`).',
        );
      }
      figures.rssMiB = Object.fromEntries(states.map((s) => [s.name, s.rssMiB]));
    }
    viaBoth = clusterStore([NODE1_ADDRESS, NODE2_ADDRESS], false);
    viaNode1 = clusterStore([NODE1_ADDRESS], true);
    viaNode2 = clusterStore([NODE2_ADDRESS], true);
    await viaBoth.connect();
    await createSchema(viaBoth.client, {
      keyspace: KEYSPACE,
      replication: { class: 'NetworkTopologyStrategy', [endpoints.cassandraCluster.localDataCenter]: 2 },
      gcGraceSeconds: 3600,
    });
    await Promise.all([viaNode1.connect(), viaNode2.connect()]);
  });

  afterAll(async () => {
    console.log(`[figures] ${JSON.stringify({ test: 'packages/cassandra/test/cluster.test.ts', ...figures })}`);
    await Promise.all([viaBoth?.close(), viaNode1?.close(), viaNode2?.close()]);
  });

  it("both nodes up: a write through one coordinator is read 'strong' (and 'eventual') through the other", async () => {
    // The pins hold: system.local is answered by the coordinator itself.
    for (const [store, address] of [
      [viaNode1, NODE1_ADDRESS],
      [viaNode2, NODE2_ADDRESS],
    ] as const) {
      for (let i = 0; i < 4; i++) {
        const rs = await store.client.execute('SELECT rpc_address FROM system.local');
        expect(rs.info.queriedHost).toBe(address);
        expect(`${String(rs.first()?.get('rpc_address'))}:${endpoints.cassandraCluster.port}`).toBe(address);
      }
    }

    const ROUNDS = 20;
    let staleEventual = 0;
    const t0 = performance.now();
    for (let i = 0; i < ROUNDS; i++) {
      const [writer, reader] = i % 2 === 0 ? [viaNode1, viaNode2] : [viaNode2, viaNode1];
      const k = key();
      const v1 = record({ userId: 'rf2-cross' });
      expect(await writer.create(k, v1)).toBe(true);
      expect(sameData(await reader.get(k, { consistency: 'strong' }), v1)).toBe(true);
      if (!sameData(await reader.get(k, { consistency: 'eventual' }), v1)) staleEventual++;

      const v2 = record({ userId: 'rf2-cross', version: 2 });
      expect(await writer.update(k, v2, 1)).toBe(true);
      expect(sameData(await reader.get(k, { consistency: 'strong' }), v2)).toBe(true);
      if (!sameData(await reader.get(k, { consistency: 'eventual' }), v2)) staleEventual++;

      expect(await writer.delete(k)).toBe(true);
      expect(await reader.get(k, { consistency: 'strong' })).toBeNull();
      if ((await reader.get(k, { consistency: 'eventual' })) !== null) staleEventual++;
    }
    // Every write was committed at LOCAL_QUORUM = both replicas before it was acknowledged, so even LOCAL_ONE
    // (either replica) cannot miss it while both nodes are up.
    expect(staleEventual).toBe(0);
    figures.crossCoordinator = {
      rounds: ROUNDS,
      strongReads: ROUNDS * 3,
      staleStrong: 0,
      staleEventual,
      ms: Math.round(performance.now() - t0),
    };
  });

  it.skipIf(external)(
    `cassandra-cluster-2 SIGKILLed and restarted under load: 'eventual' reads served, 'strong' reads and writes fail fast and typed, nothing acknowledged lost or resurrected${
      external ? ' [skipped: SESSIONKIT_CASSANDRA_CLUSTER_CONTACT_POINTS points at servers we may not kill]' : ''
    }`,
    async () => {
      // Sessions that exist before the crash and are never written again: read while node 2 is down.
      const base = Array.from({ length: 12 }, () => ({ key: key(), rec: record({ userId: 'rf2-base' }) }));
      for (const b of base) expect(await viaBoth.create(b.key, b.rec)).toBe(true);
      // Deleted (acknowledged) shortly before the crash: must stay deleted after node 2's rejoin.
      const deletedBefore = Array.from({ length: 8 }, () => ({ key: key(), rec: record({ userId: 'rf2-gone' }) }));
      for (const d of deletedBefore) expect(await viaBoth.create(d.key, d.rec)).toBe(true);
      const probeKey = base[0] as { key: string; rec: StoredSession };

      let phase: Phase = 'up';
      const load = new Load(viaBoth, () => phase, 4);
      const probe = new Probe(viaBoth, probeKey.key, probeKey.rec);
      const refusedCreate = key(); // created while node 2 is down: refused, so never there
      let killed = false;
      let restarted = false;
      try {
        await sleep(2000); // the writers and the prober run with both nodes up first
        for (const d of deletedBefore) expect(await viaBoth.delete(d.key)).toBe(true);

        await serverControl.kill(NODE2);
        killed = true;
        const killedAt = Date.now();
        phase = 'down';

        // Node 1 convicts node 2 by its failure detector (phi 8, about 10-20 s with 1 s gossip); until then a
        // strong read waits for node 2 and ends at the deadline. Wait for the first Unavailable answer.
        const detected = await eventually(async () => {
          const hit = probe.first('strong', killedAt, (r) => r.unavailable);
          if (!hit) throw new Error('node 1 has not convicted node 2 yet (no Unavailable answer)');
          return hit;
        }, 90_000);
        const beforeDetection = probe.results.filter(
          (r) => r.level === 'strong' && r.startedAt >= killedAt && r.startedAt < detected.startedAt,
        );
        figures.detectDownMs = detected.endedAt - killedAt;
        figures.strongBeforeDetection = {
          calls: beforeDetection.length,
          timeouts: beforeDetection.filter((r) => r.timeout).length,
          errors: countBy(beforeDetection.map((r) => errorKind(r.error))),
          maxMs: Math.max(0, ...beforeDetection.map((r) => r.endedAt - r.startedAt)),
        };
        for (const r of beforeDetection) assertRetryable(r.error, 'strong read before detection');
        const detectedAt = Date.now();

        // 'eventual': every session is served by node 1 alone, through either client.
        for (const store of [viaBoth, viaNode1]) {
          for (const b of base) expect(sameData(await store.get(b.key), b.rec)).toBe(true);
        }
        // 'strong' and every write: Unavailable at once, typed and retryable. Nothing of them is written.
        const victim = base[1] as { key: string; rec: StoredSession };
        const battery: [string, () => Promise<unknown>][] = [
          ['strong get', () => viaBoth.get(victim.key, { consistency: 'strong' })],
          ['create', () => viaBoth.create(refusedCreate, record({ userId: 'rf2-base' }))],
          ['update', () => viaBoth.update(victim.key, record({ userId: 'rf2-base', version: 2 }), 1)],
          ['touch', () => viaBoth.touch(victim.key, Date.now() + 60_000)],
          ['delete', () => viaBoth.delete(victim.key)],
          ['listByUser', () => viaBoth.listByUser('rf2-base')],
          ['deleteByUser', () => viaBoth.deleteByUser('rf2-base')],
          ['strong get via node 1', () => viaNode1.get(victim.key, { consistency: 'strong' })],
        ];
        const refusedMs: Record<string, number> = {};
        for (const [what, call] of battery) {
          const r = await timed(call);
          expect(r.ok, `${what} succeeded with one of two replicas down`).toBe(false);
          if (r.ok) continue;
          assertRetryable(r.error, what);
          expect(refusedOutright(r.error), `${what}: ${String(r.error)}`).toBe(true);
          expect(r.ms, what).toBeLessThan(DEADLINE_MS);
          refusedMs[what] = Math.round(r.ms);
        }
        figures.refusedWhileDownMs = refusedMs;
        // Through the client pinned to the dead node: no coordinator at all, refused at once too.
        const noCoordinator = await timed(() => viaNode2.get(victim.key));
        expect(noCoordinator.ok).toBe(false);
        if (!noCoordinator.ok) assertRetryable(noCoordinator.error, 'read via the dead node');

        await sleep(Math.max(0, 3000 - (Date.now() - detectedAt))); // the writers keep meeting the outage
        // Every eventual probe read since the conviction was served.
        const eventualAfter = probe.results.filter((r) => r.level === 'eventual' && r.startedAt >= detectedAt);
        expect(eventualAfter.length).toBeGreaterThan(0);
        expect(eventualAfter.filter((r) => !r.ok)).toEqual([]);
        const eventualDown = probe.results.filter((r) => r.level === 'eventual' && r.startedAt >= killedAt);
        figures.eventualWhileDown = {
          reads: eventualDown.length + base.length * 2,
          failed: eventualDown.filter((r) => !r.ok).length,
          failedBeforeDetection: eventualDown.filter((r) => !r.ok && r.startedAt < detectedAt).length,
        };

        phase = 'restarting';
        const startAt = Date.now();
        await serverControl.start(NODE2);
        restarted = true;
        const healthyAt = Date.now();
        phase = 'rejoined';
        const back = await eventually(async () => {
          const hit = probe.first('strong', startAt, (r) => r.ok);
          if (!hit) throw new Error("'strong' reads are not served yet");
          return hit;
        }, 60_000);
        figures.downForMs = startAt - killedAt;
        figures.restartMs = healthyAt - startAt;
        figures.strongServedAgainAfterStartMs = back.endedAt - startAt;
        figures.strongServedAgainAfterHealthyMs = back.endedAt - healthyAt;
        await sleep(3000); // the writers run on the rejoined cluster
      } finally {
        phase = 'rejoined';
        await Promise.all([load.stop(), probe.stop()]);
        if (killed && !restarted) await serverControl.start(NODE2);
      }

      // Calls: typed, retryable, none past its deadline; the writers' strong reads never disagreed with an ack.
      expect(load.stats.untyped).toEqual([]);
      expect(load.stats.anomalies).toEqual([]);
      expect(load.stats.maxCallMs).toBeLessThan(DEADLINE_MS + LATE_MS);
      const probeMax = Math.max(...probe.results.map((r) => r.endedAt - r.startedAt));
      expect(probeMax).toBeLessThan(DEADLINE_MS + LATE_MS);

      // After the rejoin, 'eventual' through node 2: what it serves from its own copy may lag (its last ~100 ms
      // of commit log are gone, hints cover only writes it missed while down); counted, not asserted. Read before
      // the strong reads below, whose read repair would fix node 2.
      const settled = load.tracked.filter((t) => t.pending === undefined && t.acked !== undefined);
      await eventually(() => viaNode2.get(probeKey.key), 30_000);
      let staleViaNode2 = 0;
      await mapLimit(settled, 16, async (t) => {
        const got = await timed(() => viaNode2.get(t.key));
        const fresh = got.ok && (t.acked === 'deleted' ? got.value === null : sameData(got.value, t.acked!));
        if (!fresh) staleViaNode2++;
      });

      // 'strong' after the rejoin: nothing acknowledged lost, nothing deleted back, the refused writes absent.
      const lost: string[] = [];
      const resurrected: string[] = [];
      const strongGet = (k: string) => eventually(() => viaBoth.get(k, { consistency: 'strong' }), 20_000);
      for (const b of base) if (!sameData(await strongGet(b.key), b.rec)) lost.push('base session');
      for (const d of deletedBefore) if ((await strongGet(d.key)) !== null) resurrected.push('deleted before the kill');
      let uncertain = 0;
      let refused = 0;
      await mapLimit(load.tracked, 16, async (t) => {
        const got = await strongGet(t.key);
        const p = t.pending;
        if (p === undefined) {
          if (t.acked === 'deleted') {
            if (got !== null) resurrected.push('deleted by a writer');
          } else if (!sameData(got, t.acked as StoredSession)) lost.push('acknowledged by a writer');
          return;
        }
        // The state before the failed write: a create failed on a fresh key, an update or delete on a live one.
        const before = t.acked === undefined || t.acked === 'deleted' ? null : t.acked;
        const unchanged = before === null ? got === null : sameData(got, before);
        let allowed: boolean;
        if (p.kind === 'delete') {
          // Its row may be gone even if the call failed (the index clean-up after the row's delete can fail).
          allowed = unchanged || got === null;
          uncertain++;
        } else if (p.refused) {
          allowed = unchanged; // Unavailable: the row was not written
          refused++;
        } else {
          // Outcome unknown (a timeout): a later Paxos round may complete it, nothing else can happen.
          allowed = unchanged || sameData(got, p.record);
          uncertain++;
        }
        if (!allowed) lost.push(`after a failed ${p.kind}: unexpected ${got ? `version ${got.version}` : 'null'}`);
      });
      expect(await strongGet(refusedCreate)).toBeNull();
      expect(lost).toEqual([]);
      expect(resurrected).toEqual([]);

      const acknowledged = load.tracked.filter((t) => t.pending === undefined && t.acked !== undefined);
      figures.load = {
        writers: 4,
        calls: load.stats.calls,
        failedCalls: load.stats.failed,
        maxCallMs: Math.round(load.stats.maxCallMs),
        sessions: load.tracked.length,
        acknowledgedChecked: acknowledged.length + base.length,
        deletesAcknowledgedChecked: acknowledged.filter((t) => t.acked === 'deleted').length + deletedBefore.length,
        refusedWritesChecked: refused,
        outcomeUnknown: uncertain,
        lostAcknowledged: lost.length,
        resurrected: resurrected.length,
        staleEventualViaNode2AfterRejoin: staleViaNode2,
      };
    },
    300_000,
  );
});
