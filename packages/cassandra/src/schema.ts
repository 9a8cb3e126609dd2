/**
 * The CQL schema of the store and the opt-in {@link createSchema} helper.
 *
 * Two tables:
 * - `sessions`: one partition per session, keyed by `prefix + hashed key`. Every write is a lightweight
 *   transaction and rewrites every column `USING TTL`, so the whole row disappears at its TTL.
 * - `sessions_by_user`: the per-user index, partition `(prefix, user_id)`, one clustering row per session key.
 *   Plain writes with `USING TTL` and `USING TIMESTAMP expiresAt × 1000` (see `user-index.ts`).
 *
 * @module
 */

import { ConfigurationError, integerOption, withDeadline } from '@sessionkit/core';
import type { Client } from 'cassandra-driver';
import { toCassandraError } from './errors.js';
import { assertIdentifier } from './options.js';

/** Replication of the keyspace {@link createSchema} creates. */
export type Replication =
  | { class: 'SimpleStrategy'; replication_factor: number }
  | ({ class: 'NetworkTopologyStrategy' } & Record<string, number | string>);

/** Options of {@link createSchema} and {@link schemaCql}. */
export interface SchemaOptions {
  /** Keyspace. Default `"sessionkit"`. */
  keyspace?: string;
  /** Sessions table. Default `"sessions"`. */
  table?: string;
  /** Per-user index table. Default `"sessions_by_user"`. */
  userTable?: string;
  /**
   * Keyspace replication. Default `{ class: 'NetworkTopologyStrategy', datacenter1: 1 }`, fit for one test
   * node only: production wants 3 replicas per data center, e.g. `{ class: 'NetworkTopologyStrategy', dc1: 3 }`.
   * Only used when the keyspace does not exist yet (`IF NOT EXISTS`).
   */
  replication?: Replication;
  /**
   * `gc_grace_seconds` of both tables. Default 86,400 (24 h). Set it to at least your longest session
   * lifetime (the absolute timeout): a tombstone is then kept at least as long as the data it shadows could
   * live, so even a replica that missed the delete (no repair ran) can never bring a logged-out session back
   * — its copy of the row expires by TTL before the tombstone may be purged. See docs/cassandra.md.
   */
  gcGraceSeconds?: number;
  /**
   * TimeWindowCompactionStrategy window in hours. Default 1. Aim for 20–30 windows per session lifetime
   * (1 h suits a 24 h absolute timeout).
   */
  compactionWindowHours?: number;
  /** Whether to create the per-user index table. Default true. */
  userIndex?: boolean;
  /** Overall deadline for the DDL and the schema-agreement wait. Default 60,000 ms. */
  timeoutMs?: number;
}

/** `Metadata.checkSchemaAgreement()` exists in driver 4.10 but is missing from its typings. */
interface SchemaAgreement {
  checkSchemaAgreement(): Promise<boolean>;
}

interface ResolvedSchema {
  keyspace: string;
  table: string;
  userTable: string;
  replication: Replication;
  gcGraceSeconds: number;
  compactionWindowHours: number;
  userIndex: boolean;
  timeoutMs: number;
}

function resolveSchema(options: SchemaOptions): ResolvedSchema {
  const store = 'cassandra';
  const r: ResolvedSchema = {
    keyspace: options.keyspace ?? 'sessionkit',
    table: options.table ?? 'sessions',
    userTable: options.userTable ?? 'sessions_by_user',
    replication: options.replication ?? { class: 'NetworkTopologyStrategy', datacenter1: 1 },
    gcGraceSeconds: integerOption(store, 'gcGraceSeconds', options.gcGraceSeconds, 86_400, { min: 0 }),
    compactionWindowHours: integerOption(store, 'compactionWindowHours', options.compactionWindowHours, 1),
    userIndex: options.userIndex ?? true,
    timeoutMs: integerOption(store, 'timeoutMs', options.timeoutMs, 60_000),
  };
  assertIdentifier(store, 'keyspace', r.keyspace);
  assertIdentifier(store, 'table', r.table);
  assertIdentifier(store, 'userTable', r.userTable);
  const rep = r.replication as Record<string, unknown>;
  if (rep.class !== 'SimpleStrategy' && rep.class !== 'NetworkTopologyStrategy') {
    throw new ConfigurationError('replication.class must be SimpleStrategy or NetworkTopologyStrategy', { store });
  }
  for (const [k, v] of Object.entries(rep)) {
    if (k === 'class') continue;
    // Spliced into CQL: data-center names and factors only, nothing that could close the literal.
    if (!/^[A-Za-z0-9_.-]+$/.test(k) || !/^[0-9]+$/.test(String(v))) {
      throw new ConfigurationError(`replication.${k} must be a replica count`, { store });
    }
  }
  return r;
}

function replicationLiteral(replication: Replication): string {
  return `{${Object.entries(replication)
    .map(([k, v]) => `'${k}': '${String(v)}'`)
    .join(', ')}}`;
}

/**
 * The CQL statements {@link createSchema} runs, in order (keyspace, sessions table, index table). Use it to
 * review the schema or to apply it with your own migration tool. All statements are `IF NOT EXISTS`.
 */
export function schemaCql(options: SchemaOptions = {}): string[] {
  const s = resolveSchema(options);
  // TWCS groups SSTables by write time and drops a whole SSTable once everything in it has expired, without
  // compacting it: ideal for data that is always written with a TTL, as here (every cell of both tables has
  // one). `unchecked_tombstone_compaction` lets single-SSTable tombstone compactions run even when SSTables
  // overlap (sessions are rewritten by touch/update across windows).
  const compaction =
    `{'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS', ` +
    `'compaction_window_size': '${s.compactionWindowHours}', 'unchecked_tombstone_compaction': 'true'}`;
  const statements = [
    `CREATE KEYSPACE IF NOT EXISTS ${s.keyspace} WITH replication = ${replicationLiteral(s.replication)} AND durable_writes = true`,
    `CREATE TABLE IF NOT EXISTS ${s.keyspace}.${s.table} (
  key text PRIMARY KEY,
  data blob,
  version bigint,
  expires_at bigint,
  user_id text,
  write_id uuid
) WITH compaction = ${compaction}
  AND gc_grace_seconds = ${s.gcGraceSeconds}
  AND default_time_to_live = 0
  AND comment = 'SessionKit sessions: every write is an LWT with USING TTL; expires_at (epoch ms) filters reads'`,
  ];
  if (s.userIndex) {
    statements.push(`CREATE TABLE IF NOT EXISTS ${s.keyspace}.${s.userTable} (
  prefix text,
  user_id text,
  session_key text,
  expires_at bigint,
  PRIMARY KEY ((prefix, user_id), session_key)
) WITH compaction = ${compaction}
  AND gc_grace_seconds = ${s.gcGraceSeconds}
  AND default_time_to_live = 0
  AND comment = 'SessionKit per-user index: written USING TTL and TIMESTAMP = expires_at in microseconds'`);
  }
  return statements;
}

/**
 * Creates the keyspace (with `options.replication`) and the tables if they do not exist, then waits until
 * every node agrees on the schema. Idempotent; safe to run from several processes at once. Opt-in: production
 * deployments usually apply {@link schemaCql} through their migration tooling instead.
 *
 * @throws {StoreUnavailableError} when the cluster cannot be reached; {@link StoreTimeoutError} when the DDL or
 *   the schema agreement does not complete within `timeoutMs`.
 */
export async function createSchema(client: Client, options: SchemaOptions = {}): Promise<void> {
  const s = resolveSchema(options);
  const statements = schemaCql(options);
  await withDeadline(
    'cassandra',
    'createSchema',
    s.timeoutMs,
    async () => {
      for (const cql of statements) {
        // The driver itself waits (up to protocolOptions.maxSchemaAgreementWaitSeconds) for agreement after
        // each schema change; we check again below and keep waiting until the deadline if it gave up.
        await client.execute(cql, [], { readTimeout: s.timeoutMs });
      }
      // Stop polling at the deadline: withDeadline rejects then, and nothing may keep running behind it.
      const until = performance.now() + s.timeoutMs;
      for (let delay = 100; performance.now() < until; delay = Math.min(delay * 2, 1000)) {
        if (await (client.metadata as unknown as SchemaAgreement).checkSchemaAgreement()) return;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(delay, until - performance.now()))));
      }
      throw new Error('the nodes did not agree on the schema in time');
    },
    (error) => toCassandraError('cassandra', 'createSchema', error, s.timeoutMs),
  );
}
