/**
 * What Cassandra's commit-log sync mode costs SessionKit's store (issue 26, "what a crash can lose"). The mode
 * decides how much acknowledged data a crashed node can lose:
 * - `periodic` (the default, and the test node's setting: `commitlog_sync_period: 10000ms`): a write is
 *   acknowledged once it is in the commit log's memory-mapped segment. The log is synced to disk every 10 s, and
 *   its sync markers move every 100 ms (Cassandra's marker interval for an uncompressed log); replay after a crash
 *   stops at the last marker. So a crash of the process (SIGKILL) loses about the last 100 ms of acknowledged
 *   writes (the page cache still holds the rest), and a crash of the machine up to the last 10 s;
 * - `group` (`commitlog_sync_group_window: 15ms`): the log is synced once per window, and a write is acknowledged
 *   only after the sync that covers it;
 * - `batch`: every write wakes the sync thread and is acknowledged after the sync that covers it.
 *
 * Three single nodes that differ only in that setting (`services.mjs start cassandra-commitlog`: 127.0.0.4-6,
 * started here unless they run, and stopped at the end if this run started them), each with a
 * `CassandraSessionStore` (1024 B logged-in sessions, so every write also writes the per-user index entry):
 * - create: index INSERT + `INSERT ... IF NOT EXISTS` (a lightweight transaction), a new key each time;
 * - update: index INSERT + `UPDATE ... IF version = ?` (the store's compare-and-set), one key per worker;
 * - read: `get` at LOCAL_ONE, for reference (a read writes nothing to the commit log).
 * Each at concurrency 1 (latency) and 32 (throughput). A lightweight transaction writes its Paxos state
 * (promise, proposal, commit) to `system.paxos` through the commit log too, so under group and batch one LWT
 * waits for several syncs in a row.
 *
 * In each round every case is measured on the three nodes back to back, in an order that rotates every round;
 * the figures are medians over the rounds, and the ratios medians of the per-round ratios to periodic, so load
 * from other processes on the shared machine hits the three modes alike. The disk under the commit log and its
 * fdatasync latency are recorded, since a sync costs what the disk makes it cost.
 *
 * Run alone: `npx tsx bench/src/commitlog.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { generateSessionId, hashSessionId } from '@sessionkit/core';
import { type ServerName, serverControl } from '@sessionkit/test-servers';
import cassandra from 'cassandra-driver';
import { type Measurement, measure, medianOf, percentileOf } from './lib/measure.js';
import { type DiskInfo, describeDisk } from './report/machine.js';

/** A commit-log sync mode, as `commitlog_sync` spells it. */
export type SyncMode = 'periodic' | 'group' | 'batch';

/** The modes in report order: the baseline first. */
export const SYNC_MODES: readonly SyncMode[] = ['periodic', 'group', 'batch'];

/** What is measured: a store operation at a concurrency. */
export type CommitlogOperation = 'create' | 'update' | 'read';

const GROUP: ServerName = 'cassandra-commitlog';
/** Each node is a single-node cluster with SimpleSnitch, whose data center is always this one. */
const LOCAL_DATA_CENTER = 'datacenter1';
const KEYSPACE = 'sessionkit_bench';
const PAYLOAD_BYTES = 1024;
const CONCURRENCIES = [1, 32] as const;
const OPERATIONS: readonly CommitlogOperation[] = ['create', 'update', 'read'];
/** Created sessions expire on their own (TWCS then drops whole SSTables): nothing to clean up. */
const TTL_MS = 10 * 60_000;
const OPERATION_TIMEOUT_MS = 5_000;
/** services/lib/paths.mjs keeps each server's files (the commit log among them) under this directory. */
const SERVERS_DIR = fileURLToPath(new URL('../../services/.data/servers/', import.meta.url));

/** One node of the group as this run found and used it. */
export interface CommitlogNode {
  mode: SyncMode;
  server: string;
  endpoint: string;
  /** The node's commit-log sync settings as it reports them (`system_views.settings`), e.g. `group, window 15ms`. */
  setting: string;
  /** Whether this run started the node (and stopped it at the end). */
  started: boolean;
}

/** One mode's figures for one case: medians over the rounds, and ratios to periodic. */
export interface ModeFigures {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Per round, ops/s. */
  roundOpsPerSec: number[];
  /** Median of the per-round ratios to periodic (1 for periodic itself). */
  opsRatio: number;
  p50Ratio: number;
  p99Ratio: number;
}

/** One operation at one concurrency, on every mode. */
export interface CommitlogCase {
  operation: CommitlogOperation;
  concurrency: number;
  modes: Record<SyncMode, ModeFigures>;
}

/** fdatasync latency of 4 KiB appends to a file next to the commit log. */
export interface FsyncProbe {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

/** What {@link runCommitlogBench} reports. */
export interface CommitlogReport {
  rounds: number;
  windowMs: number;
  payloadBytes: number;
  cassandraVersion: string;
  nodes: CommitlogNode[];
  /** The disk under the batch node's commit log (all three share the file system). */
  disk: DiskInfo;
  fsync: FsyncProbe;
  cases: CommitlogCase[];
  /** Creates or updates that did not apply, and reads that found nothing (one key per worker: should be 0). */
  unexpected: number;
  /** The error of a first attempt that the runner retried. */
  retried?: string;
}

/** A node's client and store, and the keys its update workers own. */
interface Side {
  node: CommitlogNode;
  client: cassandra.Client;
  store: CassandraSessionStore;
  keys: string[];
  versions: number[];
}

const PAYLOAD = randomBytes(PAYLOAD_BYTES);
/** A logged-in session of worker `worker`'s user (so every write also writes its per-user index entry). */
const session = (worker: number, version: number) => ({
  data: PAYLOAD,
  version,
  expiresAt: Date.now() + TTL_MS,
  userId: `bench-commitlog-user-${worker}`,
});

/** The node's own view of its commit-log sync settings; fails when they are not the ones its name promises. */
async function readSetting(client: cassandra.Client, mode: SyncMode): Promise<string> {
  const rs = await client.execute('SELECT name, value FROM system_views.settings');
  const settings = new Map(rs.rows.map((r) => [String(r.get('name')), String(r.get('value'))]));
  const sync = settings.get('commitlog_sync');
  if (sync !== mode) throw new Error(`the ${mode} node runs commitlog_sync: ${sync}; restart it from services/`);
  if (mode === 'periodic') return `periodic, period ${settings.get('commitlog_sync_period')}`;
  if (mode === 'group') return `group, window ${settings.get('commitlog_sync_group_window')}`;
  return 'batch';
}

/** Appends 4 KiB and fdatasyncs, `samples` times, in `dir`: what one commit-log sync costs at least. */
async function probeFsync(dir: string, samples: number): Promise<FsyncProbe> {
  const file = join(dir, `fsync-probe-${process.pid}.tmp`);
  const handle = await open(file, 'w');
  const block = randomBytes(4096);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      await handle.write(block);
      const start = performance.now();
      await handle.datasync();
      times.push(performance.now() - start);
    }
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
  return { samples, p50Ms: percentileOf(times, 50), p99Ms: percentileOf(times, 99) };
}

/** The operation a worker repeats for `operation` on `side`; resolves false when a write did not apply. */
function operationOf(side: Side, operation: CommitlogOperation): (worker: number) => Promise<boolean> {
  const { store, keys, versions } = side;
  if (operation === 'read') return async (worker) => (await store.get(keys[worker]!)) !== null;
  if (operation === 'create') return (worker) => store.create(hashSessionId(generateSessionId()), session(worker, 1));
  return async (worker) => {
    const version = versions[worker]!;
    const applied = await store.update(keys[worker]!, session(worker, version + 1), version);
    if (applied) versions[worker] = version + 1;
    return applied;
  };
}

/** Connects to one node, checks its mode, creates the schema and the sessions the update workers own. */
async function openSide(node: CommitlogNode): Promise<Side> {
  // One client per node, configured as the store configures a client it creates for itself. The driver dials
  // the nodes it discovers on protocolOptions.port, not on the contact point's port.
  const client = new cassandra.Client({
    contactPoints: [node.endpoint],
    localDataCenter: LOCAL_DATA_CENTER,
    protocolOptions: { port: Number(node.endpoint.split(':')[1]) },
    socketOptions: { connectTimeout: 5_000, readTimeout: OPERATION_TIMEOUT_MS },
  });
  try {
    await client.connect();
    node.setting = await readSetting(client, node.mode);
    await createSchema(client, {
      keyspace: KEYSPACE,
      replication: { class: 'NetworkTopologyStrategy', [LOCAL_DATA_CENTER]: 1 },
    });
    const store = new CassandraSessionStore({
      client,
      keyspace: KEYSPACE,
      keyPrefix: `skb-cl-${randomBytes(4).toString('hex')}:`,
      operationTimeoutMs: OPERATION_TIMEOUT_MS,
    });
    const keys = Array.from({ length: Math.max(...CONCURRENCIES) }, () => hashSessionId(generateSessionId()));
    for (const [i, key] of keys.entries()) {
      if (!(await store.create(key, session(i, 1)))) throw new Error(`${node.server}: a new session already exists`);
    }
    return { node, client, store, keys, versions: keys.map(() => 1) };
  } catch (error) {
    await client.shutdown();
    throw error;
  }
}

/** Figures of one case from each mode's rounds (round i of every mode measured back to back). */
function figuresOf(rounds: Record<SyncMode, Measurement[]>): Record<SyncMode, ModeFigures> {
  const base = rounds.periodic;
  const ratio = (m: Measurement[], field: 'opsPerSec' | 'p50Ms' | 'p99Ms') =>
    medianOf(m.map((r, i) => r[field] / base[i]![field]));
  const figures = {} as Record<SyncMode, ModeFigures>;
  for (const mode of SYNC_MODES) {
    const m = rounds[mode];
    figures[mode] = {
      opsPerSec: medianOf(m.map((r) => r.opsPerSec)),
      p50Ms: medianOf(m.map((r) => r.p50Ms)),
      p99Ms: medianOf(m.map((r) => r.p99Ms)),
      roundOpsPerSec: m.map((r) => r.opsPerSec),
      opsRatio: ratio(m, 'opsPerSec'),
      p50Ratio: ratio(m, 'p50Ms'),
      p99Ratio: ratio(m, 'p99Ms'),
    };
  }
  return figures;
}

/** Runs the commit-log comparison; starts the nodes it needs and stops those it started. */
export async function runCommitlogBench(opts: {
  quick: boolean;
  log?: (line: string) => void;
}): Promise<CommitlogReport> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const rounds = opts.quick ? 2 : 5;
  const windowMs = opts.quick ? 1_000 : 3_000;

  const before = await serverControl.status(GROUP);
  const nodes: CommitlogNode[] = SYNC_MODES.map((mode) => {
    const row = before.find((r) => r.name.endsWith(`-${mode}`));
    if (!row) throw new Error(`services.mjs knows no ${GROUP} node for ${mode}`);
    // Only a node that is down is ours to start and stop; start() waits for one that is still starting up.
    return { mode, server: row.name, endpoint: row.endpoint, setting: '', started: row.state === 'down' };
  });
  const sides: Side[] = [];
  try {
    if (before.some((r) => r.state !== 'up')) {
      log(
        `  starting ${nodes
          .filter((n) => n.started)
          .map((n) => n.server)
          .join(', ')}`,
      );
      const t0 = performance.now();
      await serverControl.start(GROUP);
      log(`  started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (const node of nodes) sides.push(await openSide(node));
    const version = (await sides[0]!.client.execute('SELECT release_version FROM system.local')).first();
    const batchDir = join(SERVERS_DIR, nodes.find((n) => n.mode === 'batch')!.server);
    const disk = await describeDisk(join(batchDir, 'commitlog'));
    const fsync = await probeFsync(batchDir, opts.quick ? 100 : 500);
    log(
      `  ${nodes.map((n) => `${n.server}: ${n.setting}`).join('; ')}; disk ${disk.device} ${disk.filesystem}, ` +
        `fdatasync p50 ${fsync.p50Ms.toFixed(2)} ms`,
    );

    // Warm-up: the nodes run C1-compiled code only (services/lib/cassandra.mjs), which settles within seconds.
    for (const side of sides) {
      for (const operation of OPERATIONS) {
        await measure(operationOf(side, operation), { durationMs: opts.quick ? 300 : 1_500, concurrency: 32 });
      }
    }

    let unexpected = 0;
    const cases: { operation: CommitlogOperation; concurrency: number; rounds: Record<SyncMode, Measurement[]> }[] =
      CONCURRENCIES.flatMap((concurrency) =>
        OPERATIONS.map((operation) => ({ operation, concurrency, rounds: { periodic: [], group: [], batch: [] } })),
      );
    for (let round = 0; round < rounds; round++) {
      const order = SYNC_MODES.map((_, i) => sides[(i + round) % sides.length]!);
      for (const c of cases) {
        for (const side of order) {
          const op = operationOf(side, c.operation);
          const counted = async (worker: number) => {
            if (!(await op(worker))) unexpected++;
          };
          c.rounds[side.node.mode].push(await measure(counted, { durationMs: windowMs, concurrency: c.concurrency }));
        }
      }
      log(`  round ${round + 1}/${rounds} done`);
    }

    return {
      rounds,
      windowMs,
      payloadBytes: PAYLOAD_BYTES,
      cassandraVersion: String(version?.get('release_version') ?? 'unknown'),
      nodes,
      disk,
      fsync,
      cases: cases.map((c) => ({ operation: c.operation, concurrency: c.concurrency, modes: figuresOf(c.rounds) })),
      unexpected,
    };
  } finally {
    for (const side of sides) {
      await side.store.close();
      await side.client.shutdown();
    }
    for (const node of nodes.filter((n) => n.started)) await serverControl.stop(node.server as ServerName);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runCommitlogBench({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(report, null, 1));
}
