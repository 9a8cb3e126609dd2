/**
 * Options of {@link CassandraSessionStore} and their validation.
 *
 * @module
 */

import type { Clock } from '@sessionkit/core';
import {
  ConfigurationError,
  integerOption,
  refuseRenamedOptions,
  storeName,
  stringOption,
  systemClock,
} from '@sessionkit/core';
import type { Client, ClientOptions } from 'cassandra-driver';
import cassandra from 'cassandra-driver';

const { consistencies } = cassandra.types;

/** A driver consistency level (a value of `cassandra.types.consistencies`). */
export type ConsistencyLevel = number;

/** Consistency levels used per kind of request. Every field is optional; the defaults are listed. */
export interface CassandraConsistencyOptions {
  /** Reads with `{ consistency: 'eventual' }` (the default read). Default `LOCAL_ONE`. */
  eventualRead?: ConsistencyLevel;
  /**
   * Reads with `{ consistency: 'strong' }`, the reads `touch`/`delete` start with, and the per-user index
   * reads of `listByUser`/`deleteByUser`. Default `LOCAL_QUORUM`: it observes every write acknowledged at
   * `write` (LOCAL_QUORUM) before it. Set `LOCAL_SERIAL` to also complete in-flight lightweight transactions.
   */
  strongRead?: ConsistencyLevel;
  /**
   * Commit consistency of the lightweight transactions (the `consistency` of an LWT statement) and the
   * consistency of the per-user index writes. Default `LOCAL_QUORUM`.
   */
  write?: ConsistencyLevel;
  /**
   * Paxos consistency of the lightweight transactions (`serialConsistency`) and of the read that resolves a
   * CAS write timeout. Default `LOCAL_SERIAL` (one data center's quorum); `SERIAL` spans data centers.
   */
  serial?: ConsistencyLevel;
}

/** Options of {@link CassandraSessionStore}. */
export interface CassandraSessionStoreOptions {
  /**
   * An existing, configured driver client. The store never shuts it down (`close()` only stops the store).
   * Give either `client` or `contactPoints` + `localDataCenter` (or `clientOptions`).
   */
  client?: Client;
  /** Contact points (`host` or `host:port`) for a client the store creates and owns. */
  contactPoints?: string[];
  /** The local data center of a client the store creates (required by the driver with `contactPoints`). */
  localDataCenter?: string;
  /**
   * Extra options for a client the store creates. The store fills in `socketOptions.readTimeout`
   * (= `operationTimeoutMs`), `socketOptions.connectTimeout`, and an exponential reconnection policy
   * unless given here.
   */
  clientOptions?: Omit<ClientOptions, 'contactPoints' | 'localDataCenter'>;
  /** The keyspace holding the tables. Default `"sessionkit"`. Created by {@link createSchema} if asked. */
  keyspace?: string;
  /** The sessions table. Default `"sessions"`. */
  table?: string;
  /** The per-user index table. Default `"sessions_by_user"`. */
  userTable?: string;
  /**
   * Prepended to every key (`keyPrefix + key` is the sessions table's partition key) and used as the first
   * component of the per-user index partition, so several stores can share the tables. Default `""`.
   */
  keyPrefix?: string;
  /** Name in errors and metrics. Default `"cassandra"`. */
  name?: string;
  /**
   * Deadline of every store call in milliseconds, including the retries and the SERIAL read that resolves
   * a CAS timeout. Also bounds the driver's per-request `readTimeout` (each request gets the time left).
   * Default 5000: a lightweight transaction is four round trips (prepare, read, propose, commit), the
   * server answers a contended one with a CAS write timeout only after `cas_contention_timeout` (1 s) or
   * `write_request_timeout` (2 s), and the deadline must leave room for the SERIAL read that resolves it.
   */
  operationTimeoutMs?: number;
  /** Consistency levels; see {@link CassandraConsistencyOptions}. */
  consistency?: CassandraConsistencyOptions;
  /**
   * Largest accepted `data` in bytes. Default 1 MiB. Cassandra refuses a mutation over half of
   * `commitlog_segment_size` (16 MiB with the default 32 MiB segments), and large blobs hurt its heap long
   * before that: keep sessions small.
   */
  maxPayloadBytes?: number;
  /** Whether the per-user index is maintained and `listByUser`/`deleteByUser` are supported. Default true. */
  userIndex?: boolean;
  /**
   * How many times `create`, `update`, `touch` and `delete` repeat their lightweight transaction when a
   * concurrent write changed the row between their read and their write (or an ambiguous outcome was
   * resolved as "not applied"). Default 8; the deadline bounds them too.
   */
  maxCasAttempts?: number;
  /**
   * Queue concurrent writes to one key made through this store instance, so that at most one lightweight
   * transaction per session is in flight from this process. Default true. Concurrent Paxos rounds on one
   * partition pre-empt each other (Paxos v1 backs off up to 100 ms per lost round and answers with a CAS
   * write timeout after `cas_contention_timeout`), so N racing writes from one process finish far sooner one
   * after the other. The backend's condition still decides every write; this only removes self-contention.
   */
  serializeWritesPerKey?: boolean;
  /**
   * Seconds added to every `USING TTL`, as slack for clock skew between the application servers (which
   * compute the TTL from `expiresAt`) and Cassandra (which counts it from its own clock). Default 0: keep
   * clocks NTP-synchronised. Reads filter on `expires_at` anyway; the padding only keeps rows (and tombstone
   * work) around longer.
   */
  ttlPaddingSeconds?: number;
  /** Time source for expiry decisions (inject a `ManualClock` in unit tests). Default the system clock. */
  clock?: Clock;
}

/** The options after defaults and validation. */
export interface ResolvedOptions {
  name: string;
  keyspace: string;
  table: string;
  userTable: string;
  keyPrefix: string;
  operationTimeoutMs: number;
  maxPayloadBytes: number;
  userIndex: boolean;
  maxCasAttempts: number;
  serializeWritesPerKey: boolean;
  ttlPaddingSeconds: number;
  clock: Clock;
  consistency: Required<CassandraConsistencyOptions>;
}

/** Default per-call deadline. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 5000;
/** Default payload limit: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Default number of LWT rounds per call (see `maxCasAttempts`). */
export const DEFAULT_MAX_CAS_ATTEMPTS = 8;

/** CQL identifiers we accept unquoted: letters, digits, underscores, starting with a letter, at most 48. */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;

/** Throws {@link ConfigurationError} unless `value` is a plain CQL identifier (we splice it into CQL). */
export function assertIdentifier(store: string, what: string, value: string): void {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new ConfigurationError(
      `${what} must be a CQL identifier (a letter, then letters, digits or _; at most 48), got ${JSON.stringify(value)}`,
      { store },
    );
  }
}

/** Options of earlier versions and their names now. */
const RENAMED_OPTIONS = [
  ['prefix', 'keyPrefix'],
  ['maxAttempts', 'maxCasAttempts'],
] as const;

const VALID_LEVELS = new Set<number>(Object.values(consistencies) as number[]);
const SERIAL_LEVELS = new Set<number>([consistencies.serial, consistencies.localSerial]);

/** Applies defaults and validates; throws {@link ConfigurationError} on bad options. */
export function resolveOptions(options: CassandraSessionStoreOptions): ResolvedOptions {
  const name = storeName(options.name, 'cassandra');
  const fail = (message: string): never => {
    throw new ConfigurationError(message, { store: name });
  };
  refuseRenamedOptions(name, options, RENAMED_OPTIONS);
  if (options.client === undefined) {
    if (!Array.isArray(options.contactPoints) || options.contactPoints.length === 0) {
      fail('give either an existing `client` or `contactPoints` (and `localDataCenter`)');
    }
    if (typeof options.localDataCenter !== 'string' || options.localDataCenter.length === 0) {
      fail('`localDataCenter` is required with `contactPoints` (e.g. "datacenter1")');
    }
  } else if (options.contactPoints !== undefined || options.clientOptions !== undefined) {
    fail('give either `client` or `contactPoints`/`clientOptions`, not both');
  }
  const keyspace = options.keyspace ?? 'sessionkit';
  const table = options.table ?? 'sessions';
  const userTable = options.userTable ?? 'sessions_by_user';
  assertIdentifier(name, 'keyspace', keyspace);
  assertIdentifier(name, 'table', table);
  assertIdentifier(name, 'userTable', userTable);
  if (table === userTable) fail('table and userTable must differ');
  const c = options.consistency ?? {};
  const consistency: Required<CassandraConsistencyOptions> = {
    eventualRead: c.eventualRead ?? consistencies.localOne,
    strongRead: c.strongRead ?? consistencies.localQuorum,
    write: c.write ?? consistencies.localQuorum,
    serial: c.serial ?? consistencies.localSerial,
  };
  for (const [field, level] of Object.entries(consistency)) {
    if (!VALID_LEVELS.has(level)) fail(`consistency.${field} is not a cassandra.types.consistencies value`);
  }
  if (!SERIAL_LEVELS.has(consistency.serial)) fail('consistency.serial must be SERIAL or LOCAL_SERIAL');
  if (SERIAL_LEVELS.has(consistency.write) || consistency.write === consistencies.any) {
    fail('consistency.write must be a non-serial level other than ANY (it is the LWT commit consistency)');
  }
  if (consistency.eventualRead === consistencies.any || consistency.strongRead === consistencies.any) {
    fail('ANY is not a read consistency');
  }
  return {
    name,
    keyspace,
    table,
    userTable,
    keyPrefix: stringOption(name, 'keyPrefix', options.keyPrefix, '', { allowEmpty: true }),
    operationTimeoutMs: integerOption(
      name,
      'operationTimeoutMs',
      options.operationTimeoutMs,
      DEFAULT_OPERATION_TIMEOUT_MS,
    ),
    maxPayloadBytes: integerOption(name, 'maxPayloadBytes', options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES),
    userIndex: options.userIndex ?? true,
    maxCasAttempts: integerOption(name, 'maxCasAttempts', options.maxCasAttempts, DEFAULT_MAX_CAS_ATTEMPTS),
    serializeWritesPerKey: options.serializeWritesPerKey ?? true,
    ttlPaddingSeconds: integerOption(name, 'ttlPaddingSeconds', options.ttlPaddingSeconds, 0, { min: 0, max: 3600 }),
    clock: options.clock ?? systemClock,
    consistency,
  };
}

/**
 * Driver options for a client the store creates: the caller's `clientOptions`, plus a per-request read
 * timeout equal to the store's deadline, a connect timeout no longer than it, and an exponential
 * reconnection policy (200 ms doubling to 2 s, with the driver's jitter) so a node that is back is used again within about
 * 2 s however long it was down (the driver's default grows to 10 minutes). The control connection follows the
 * same schedule. Both attempt one TCP connection per interval while the node is down: negligible load.
 */
export function ownedClientOptions(options: CassandraSessionStoreOptions, resolved: ResolvedOptions): ClientOptions {
  const extra = options.clientOptions ?? {};
  return {
    ...extra,
    contactPoints: options.contactPoints as string[],
    localDataCenter: options.localDataCenter as string,
    socketOptions: {
      connectTimeout: Math.min(5000, Math.max(1000, resolved.operationTimeoutMs)),
      readTimeout: resolved.operationTimeoutMs,
      ...extra.socketOptions,
    },
    policies: {
      reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(200, 2000, false),
      ...extra.policies,
    },
  };
}
