/**
 * `sessionkit doctor cassandra://...`: the keyspace's replication against the nodes the driver sees, the
 * nodes' state, and the two tables `@sessionkit/cassandra` uses (`sessions`, `sessions_by_user`): present,
 * compacted with TimeWindowCompactionStrategy, and keeping tombstones at least one session lifetime
 * (`gc_grace_seconds`). What the adapter creates and why: packages/cassandra/src/schema.ts and
 * docs/cassandra.md ("TTL, compaction and tombstones").
 *
 * The store writes with LWTs at `LOCAL_SERIAL` and commits and reads strongly at `LOCAL_QUORUM`, so the
 * replication verdicts are about the quorum of the client's data center: `floor(RF / 2) + 1` replicas.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import cassandra from 'cassandra-driver';
import { type CheckResult, errorMessage, fail, pass, warn } from './check.js';
import { formatSeconds } from './format.js';

/** Where and what to check. */
export interface CassandraTarget {
  contactPoints: Array<{ host: string; port: number }>;
  localDataCenter: string;
  keyspace: string;
  /** Default `sessions`, as `@sessionkit/cassandra`'s `createSchema`. */
  table: string;
  /** Default `sessions_by_user`. */
  userTable: string;
  /** The application's absolute session timeout, in seconds: tombstones must outlive it. */
  maxSessionAgeSeconds: number;
}

/** A node as the driver sees it. */
export interface NodeState {
  address: string;
  datacenter: string;
  up: boolean;
}

/** One table's options, or `undefined` when it does not exist. */
export interface TableFacts {
  compaction: Record<string, string>;
  gcGraceSeconds: number;
}

/** Everything the Cassandra checks judge. */
export interface CassandraFacts {
  /** The keyspace's `replication` map, or `undefined` when it does not exist. */
  replication: Record<string, string> | undefined;
  durableWrites: boolean;
  nodes: NodeState[];
  tables: Record<string, TableFacts | undefined>;
}

const shortClass = (name: string | undefined) => (name ?? '').replace(/^org\.apache\.cassandra\.[a-z.]*\./, '');

/** The replication factor configured for `dc` (SimpleStrategy: the one factor for every DC). */
export function replicationFactor(replication: Record<string, string>, dc: string): number {
  return shortClass(replication.class) === 'SimpleStrategy'
    ? Number(replication.replication_factor ?? 0)
    : Number(replication[dc] ?? 0);
}

const quorumOf = (rf: number) => Math.floor(rf / 2) + 1;
const SCHEMA_FIX = 'create it with `sessionkit schema <url> --apply` (or the CQL of `sessionkit schema <url>`)';

/** `cassandra.replication`: the keyspace's strategy and factor against the nodes of the local data center. */
export function replicationCheck(f: CassandraFacts, t: CassandraTarget): CheckResult {
  const id = 'cassandra.replication';
  if (!f.replication) return fail(id, `keyspace "${t.keyspace}" does not exist.`, SCHEMA_FIX);
  const strategy = shortClass(f.replication.class);
  const simple = strategy === 'SimpleStrategy';
  const dc = t.localDataCenter;
  const rf = replicationFactor(f.replication, dc);
  const nodes = simple ? f.nodes.length : f.nodes.filter((n) => n.datacenter === dc).length;
  const scope = simple ? 'in the cluster' : `in data center "${dc}"`;
  const figures = `${strategy} RF ${rf}, ${nodes} node(s) ${scope}`;
  const alter = (n: number) =>
    `ALTER KEYSPACE ${t.keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', '${dc}': ${n}}; then run a full repair (nodetool repair -full ${t.keyspace})`;
  if (rf === 0) {
    return fail(
      id,
      `${figures}: the keyspace has no replica in the client's data center, so every LOCAL_QUORUM read and every write fails.`,
      `${alter(Math.min(3, Math.max(1, nodes)))}, or connect with ?dc= naming a data center that holds replicas`,
    );
  }
  if (quorumOf(rf) > nodes) {
    return fail(
      id,
      `${figures}: a quorum is ${quorumOf(rf)} replicas but only ${nodes} node(s) exist, so every write (LWT at LOCAL_SERIAL) and strong read fails.`,
      alter(Math.min(rf, Math.max(1, nodes))),
    );
  }
  const notes: string[] = [];
  if (simple)
    notes.push(
      'SimpleStrategy ignores data centers and racks (replicas may share a rack; LOCAL_* levels see every node)',
    );
  if (rf > nodes) notes.push(`RF ${rf} exceeds the ${nodes} node(s): fewer copies exist than configured`);
  if (rf === 1)
    notes.push('RF 1: each session has one copy; that node down or lost makes its sessions unavailable or gone');
  if (rf === 2)
    notes.push('RF 2: LOCAL_QUORUM needs both replicas, so any one node down stops writes and strong reads');
  if (!f.durableWrites)
    notes.push('durable_writes = false: writes skip the commit log, so a node crash loses recent logins and updates');
  if (notes.length > 0) {
    return warn(
      id,
      `${figures}: ${notes.join('; ')}.`,
      !f.durableWrites && notes.length === 1
        ? `ALTER KEYSPACE ${t.keyspace} WITH durable_writes = true`
        : alter(Math.max(3, Math.min(rf, nodes))),
    );
  }
  return pass(id, `${figures}: LOCAL_QUORUM (${quorumOf(rf)}) survives ${rf - quorumOf(rf)} replica(s) down.`);
}

/** `cassandra.nodes`: nodes of the local data center the driver sees up. */
export function nodesCheck(f: CassandraFacts, t: CassandraTarget): CheckResult {
  const id = 'cassandra.nodes';
  const local = f.nodes.filter((n) => n.datacenter === t.localDataCenter);
  if (local.length === 0) {
    const dcs = [...new Set(f.nodes.map((n) => n.datacenter))].join(', ');
    return fail(
      id,
      `no node in data center "${t.localDataCenter}" (the cluster has: ${dcs}).`,
      'set ?dc= in the URL to the data center the application runs in',
    );
  }
  const down = local.filter((n) => !n.up).map((n) => n.address);
  const figures = `${local.length - down.length} of ${local.length} node(s) up in "${t.localDataCenter}"`;
  if (down.length === 0) return pass(id, `${figures}.`);
  const rf = f.replication ? replicationFactor(f.replication, t.localDataCenter) : 0;
  const needed = rf > 0 ? quorumOf(rf) : 1;
  const status = local.length - down.length >= needed && rf > 0 ? warn : fail;
  return status(
    id,
    `${figures}; down: ${down.join(', ')}. Sessions whose replicas are down cannot be written while fewer than ${needed} of their replicas answer.`,
    'bring the nodes back (nodetool status), then repair them if they were down longer than max_hint_window',
  );
}

/** `cassandra.table`: the sessions table and the per-user index table exist. */
export function tablesCheck(f: CassandraFacts, t: CassandraTarget): CheckResult {
  const id = 'cassandra.table';
  if (!f.replication) return fail(id, `keyspace "${t.keyspace}" does not exist.`, SCHEMA_FIX);
  if (!f.tables[t.table]) return fail(id, `table ${t.keyspace}.${t.table} does not exist.`, SCHEMA_FIX);
  if (!f.tables[t.userTable]) {
    return warn(
      id,
      `per-user index table ${t.keyspace}.${t.userTable} does not exist: listing and revoking a user's sessions fails (unless the store runs with userIndex: false).`,
      SCHEMA_FIX,
    );
  }
  return pass(id, `${t.keyspace}.${t.table} and ${t.keyspace}.${t.userTable} exist.`);
}

/** `cassandra.compaction` for one table. */
export function compactionCheck(table: TableFacts, name: string): CheckResult {
  const id = 'cassandra.compaction';
  const strategy = shortClass(table.compaction.class);
  if (strategy === 'TimeWindowCompactionStrategy') {
    const unit = table.compaction.compaction_window_unit ?? 'DAYS';
    const size = table.compaction.compaction_window_size ?? '1';
    return pass(id, `TimeWindowCompactionStrategy (${size} ${unit.toLowerCase()} windows).`, name);
  }
  return warn(
    id,
    `${strategy}: every cell here is written with a TTL, and ${strategy} mixes old and new sessions in the same SSTables, so expired sessions and their tombstones stay on disk and in reads much longer than with TimeWindowCompactionStrategy, which drops a whole SSTable once it has expired.`,
    `ALTER TABLE ${name} WITH compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS', 'compaction_window_size': '1', 'unchecked_tombstone_compaction': 'true'}`,
    name,
  );
}

/** `cassandra.gc-grace` for one table: tombstones (logouts) must outlive the data they shadow. */
export function gcGraceCheck(table: TableFacts, name: string, rf: number, maxSessionAgeSeconds: number): CheckResult {
  const id = 'cassandra.gc-grace';
  const grace = table.gcGraceSeconds;
  const figures = `gc_grace_seconds ${grace} (${formatSeconds(grace)}), longest session ${formatSeconds(maxSessionAgeSeconds)}`;
  if (grace >= maxSessionAgeSeconds) return pass(id, `${figures}.`, name);
  if (rf < 2) {
    return pass(id, `${figures}: with one replica no copy can miss a delete, so the shorter grace is harmless.`, name);
  }
  const fix = `ALTER TABLE ${name} WITH gc_grace_seconds = ${maxSessionAgeSeconds} (at least the absolute session timeout; see --max-session-age)`;
  const risk =
    'a replica that missed a logout (down at the time, not repaired) keeps the session, and once the tombstone is purged the logged-out session can come back';
  return grace === 0
    ? fail(id, `${figures}: ${risk}; with 0 not even hints are kept for the missed delete.`, fix, name)
    : warn(id, `${figures}: ${risk} if the missed delete is not repaired within ${formatSeconds(grace)}.`, fix, name);
}

/** Reads replication, nodes and table options. */
export async function readCassandra(client: cassandra.Client, t: CassandraTarget): Promise<CassandraFacts> {
  const ks = await client.execute(
    'SELECT replication, durable_writes FROM system_schema.keyspaces WHERE keyspace_name = ?',
    [t.keyspace],
    { prepare: true },
  );
  const row = ks.first();
  const tables: Record<string, TableFacts | undefined> = {};
  for (const name of [t.table, t.userTable]) {
    const result = await client.execute(
      'SELECT compaction, gc_grace_seconds FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
      [t.keyspace, name],
      { prepare: true },
    );
    const r = result.first();
    tables[name] = r
      ? { compaction: r.get('compaction') as Record<string, string>, gcGraceSeconds: Number(r.get('gc_grace_seconds')) }
      : undefined;
  }
  return {
    replication: row ? (row.get('replication') as Record<string, string>) : undefined,
    durableWrites: row ? row.get('durable_writes') !== false : true,
    nodes: client.hosts.values().map((h) => ({ address: h.address, datacenter: h.datacenter, up: h.isUp() })),
    tables,
  };
}

/** Runs the Cassandra checks. @throws {StoreUnavailableError} when no contact point accepts a connection. */
export async function doctorCassandra(t: CassandraTarget, timeoutMs: number): Promise<CheckResult[]> {
  const client = new cassandra.Client({
    contactPoints: t.contactPoints.map((c) => `${c.host}:${c.port}`),
    localDataCenter: t.localDataCenter,
    // Peers discovered from system.peers carry no port; the driver would dial 9042 for them otherwise.
    protocolOptions: { port: t.contactPoints[0]!.port },
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
    pooling: { warmup: true },
  });
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new StoreUnavailableError(`cannot connect to Cassandra: ${errorMessage(error)}`, {
        store: 'cassandra',
        operation: 'doctor',
        cause: error,
      });
    }
    const f = await readCassandra(client, t);
    // Without the keyspace there are no tables to judge: the replication line says what to do.
    if (!f.replication) return [replicationCheck(f, t), nodesCheck(f, t)];
    const results = [replicationCheck(f, t), nodesCheck(f, t), tablesCheck(f, t)];
    const rf = f.replication ? replicationFactor(f.replication, t.localDataCenter) : 0;
    for (const name of [t.table, t.userTable]) {
      const table = f.tables[name];
      if (!table) continue;
      const qualified = `${t.keyspace}.${name}`;
      results.push(compactionCheck(table, qualified), gcGraceCheck(table, qualified, rf, t.maxSessionAgeSeconds));
    }
    return results;
  } finally {
    await client.shutdown();
  }
}
