/**
 * Shared test plumbing: the real Cassandra node from services/ (see @sessionkit/test-servers), a test
 * keyspace created once with `createSchema`, and stores on it.
 */
import { randomBytes } from 'node:crypto';
import { generateSessionId, hashSessionId, type StoredSession } from '@sessionkit/core';
import { endpoints } from '@sessionkit/test-servers';
import type { Client } from 'cassandra-driver';
import cassandra from 'cassandra-driver';
import type { CassandraSessionStoreOptions } from '../src/index.js';
import { CassandraSessionStore, createSchema } from '../src/index.js';

/** The keyspace the tests use (replication 1: one node). */
export const KEYSPACE = 'sessionkit_test';

/** Driver options for the single test node. */
export function nodeOptions(): { contactPoints: string[]; localDataCenter: string } {
  return { contactPoints: endpoints.cassandra.contactPoints, localDataCenter: endpoints.cassandra.localDataCenter };
}

/** A fresh client to the single node (callers shut it down). */
export function newClient(): Client {
  return new cassandra.Client({ ...nodeOptions(), socketOptions: { readTimeout: 30_000, connectTimeout: 10_000 } });
}

let schema: Promise<void> | undefined;

/** Creates the test keyspace and tables once per process (idempotent anyway). */
export function ensureSchema(): Promise<void> {
  schema ??= (async () => {
    const client = newClient();
    try {
      await createSchema(client, {
        keyspace: KEYSPACE,
        replication: { class: 'NetworkTopologyStrategy', [endpoints.cassandra.localDataCenter]: 1 },
        gcGraceSeconds: 3600,
      });
    } finally {
      await client.shutdown();
    }
  })().catch((error: unknown) => {
    schema = undefined;
    throw error;
  });
  return schema;
}

/** A store owning its own client, on the test keyspace. */
export function openStore(options: Partial<CassandraSessionStoreOptions> = {}): CassandraSessionStore {
  const base: CassandraSessionStoreOptions = options.client
    ? { keyspace: KEYSPACE }
    : { keyspace: KEYSPACE, ...nodeOptions() };
  return new CassandraSessionStore({ ...base, ...options });
}

/**
 * Reads the raw session row (no expiry filter). `lifeMs` is when Cassandra will drop the row, in ms from now.
 *
 * `TTL(col)` reports whole seconds: `localDeletionTime - nowInSeconds` with both truncated to the second, so
 * `TTL() * 1000` can be off by almost a second. The deletion instant itself is exact: `(nowInSeconds +
 * TTL()) * 1000`. We read `nowInSeconds` from our own clock around the request and retry the rare read that
 * straddles a second boundary (then we cannot tell which second the server used).
 */
export async function rawRow(
  client: Client,
  fullKey: string,
): Promise<{ ttl: number | null; lifeMs: number | null; expiresAt: number; version: number; writeId: string } | null> {
  for (;;) {
    const before = Date.now();
    const rs = await client.execute(
      `SELECT TTL(data) AS ttl, expires_at, version, write_id FROM ${KEYSPACE}.sessions WHERE key = ?`,
      [fullKey],
      { prepare: true, consistency: cassandra.types.consistencies.localQuorum },
    );
    const after = Date.now();
    if (Math.floor(before / 1000) !== Math.floor(after / 1000)) continue;
    const row = rs.first();
    if (!row) return null;
    const ttl = row.get('ttl') as number | null;
    return {
      ttl,
      lifeMs: ttl === null ? null : (Math.floor(after / 1000) + ttl) * 1000 - Date.now(),
      expiresAt: Number(row.get('expires_at')),
      version: Number(row.get('version')),
      writeId: String(row.get('write_id')),
    };
  }
}

/** Reads the raw index entries of a user (no filtering) with their TTL and write time. */
export async function rawIndex(
  client: Client,
  prefix: string,
  userId: string,
): Promise<{ key: string; ttl: number | null; writtenMicros: number }[]> {
  const rs = await client.execute(
    `SELECT session_key, TTL(expires_at) AS ttl, WRITETIME(expires_at) AS w FROM ${KEYSPACE}.sessions_by_user WHERE prefix = ? AND user_id = ?`,
    [prefix, userId],
    { prepare: true, consistency: cassandra.types.consistencies.localQuorum },
  );
  return rs.rows.map((r) => ({
    key: String(r.get('session_key')),
    ttl: r.get('ttl') as number | null,
    writtenMicros: Number(r.get('w')),
  }));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One `execute` call seen by {@link instrument}. */
export interface SeenCall {
  cql: string;
  params: unknown[];
  options: cassandra.QueryOptions;
}

/**
 * Wraps a real client: every `execute` is recorded and may be intercepted by `hook` (return a promise to
 * answer instead of the server, or undefined to pass through). The real client does the work; the hook only
 * injects faults around it.
 */
export function instrument(
  real: Client,
  hook: (
    call: SeenCall,
    passThrough: () => Promise<cassandra.types.ResultSet>,
  ) => Promise<cassandra.types.ResultSet> | undefined = () => undefined,
): { client: Client; calls: SeenCall[] } {
  const calls: SeenCall[] = [];
  const client = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'execute') {
        return (cql: string, params: unknown[], options: cassandra.QueryOptions) => {
          const call = { cql, params, options };
          calls.push(call);
          const passThrough = () => target.execute(cql, params as cassandra.ArrayOrObject, options);
          return hook(call, passThrough) ?? passThrough();
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, calls };
}

/** A driver error as Cassandra sends it for a Paxos round that did not finish in time. */
export function casWriteTimeout(): Error {
  const error = new cassandra.errors.ResponseError(
    cassandra.types.responseErrorCodes.writeTimeout,
    'Operation timed out - received only 0 responses.',
  ) as unknown as Error & { writeType: string; consistencies: number; received: number; blockFor: number };
  error.writeType = 'CAS';
  error.consistencies = cassandra.types.consistencies.localSerial;
  error.received = 0;
  error.blockFor = 1;
  return error;
}

/** Whether a CQL text is a lightweight transaction on the sessions table. */
export const isSessionLwt = (cql: string) => / IF /.test(cql) && cql.includes('.sessions ');

/** A fresh store key. */
export const key = (): string => hashSessionId(generateSessionId());

/** A small record with a 10-minute deadline, overridable. */
export const record = (over: Partial<StoredSession> = {}): StoredSession => ({
  data: new Uint8Array(randomBytes(24)),
  version: 1,
  expiresAt: Date.now() + 10 * 60_000,
  ...over,
});

/** What `call` rejected with; throws if it resolved. */
export async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

/**
 * Every contract call of `store` on `key` and `userId`, each named by the operation its errors are tagged with
 * (for checks that all of them fail the same way).
 */
export function contractCalls(
  store: CassandraSessionStore,
  k: string,
  userId: string,
): [string, () => Promise<unknown>][] {
  return [
    ['get', () => store.get(k)],
    ['get', () => store.get(k, { consistency: 'strong' })],
    ['create', () => store.create(k, record({ userId }))],
    ['update', () => store.update(k, record({ version: 2, userId }), 1)],
    ['touch', () => store.touch(k, Date.now() + 60_000)],
    ['delete', () => store.delete(k)],
    ['listByUser', () => store.listByUser(userId)],
    ['deleteByUser', () => store.deleteByUser(userId)],
  ];
}

/** Polls `fn` until it resolves (a restart and the driver's reconnection take a while); returns its value. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}
