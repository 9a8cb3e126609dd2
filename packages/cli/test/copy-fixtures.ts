/**
 * What the `sessionkit copy` tests share: store URLs on the real test servers (each test file its own Redis
 * database and Cassandra keyspace, so files never see each other's sessions), fast seeding, running the built
 * binary as a child process, and the byte-for-byte check of a random sample.
 *
 * Isolation on the shared Redis: each file uses a database of its own (0 is left to the other suites), so a
 * scan walks only the copy tests' keys, and a key prefix unique to the run (`?prefix=`), whose keys it deletes
 * afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { generateSessionId, hashSessionId, type SessionStore, type StoredSession } from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { endpoints } from '@sessionkit/test-servers';
import cassandra from 'cassandra-driver';
import { Redis } from 'ioredis';
import { expect } from 'vitest';

/** The built binary (turbo builds the package before its tests). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

const redisEndpoint = new URL(endpoints.redis.url);
const REDIS_HOST = redisEndpoint.hostname;
const REDIS_PORT = Number(redisEndpoint.port || 6379);

/** The store URL of the sessions under `prefix` in database `db` of the test Redis. */
export function redisUrl(db: number, prefix: string): string {
  return `redis://${REDIS_HOST}:${REDIS_PORT}/${db}?prefix=${encodeURIComponent(prefix)}`;
}

/** A key prefix unique to this run of a test file. */
export function uniquePrefix(label: string): string {
  return `copy-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;
}

/** The store URL of keyspace `keyspace` on the test Cassandra node. */
export function cassandraUrl(keyspace: string): string {
  return `cassandra://${endpoints.cassandra.contactPoints.join(',')}/${keyspace}?dc=${endpoints.cassandra.localDataCenter}`;
}

/** A fresh keyspace name for one test file (Cassandra identifiers: letters, digits, underscore). */
export function uniqueKeyspace(label: string): string {
  return `copy_${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Walks the keys of database `db` under `prefix` (`type`: only keys of that Redis type), a page at a time. */
async function eachRedisKeys(
  db: number,
  prefix: string,
  onPage: (client: Redis, keys: string[]) => Promise<void>,
  type?: string,
): Promise<void> {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db, lazyConnect: true });
  try {
    await client.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = type
        ? await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', type)
        : await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await onPage(client, keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` in database `db` (sessions and user indexes). */
export async function deleteRedisPrefix(db: number, prefix: string): Promise<void> {
  await eachRedisKeys(db, prefix, async (client, keys) => {
    await client.unlink(...keys);
  });
}

/** How many session records (string keys) database `db` holds under `prefix`, user-index sets left out. */
export async function countRedisSessions(db: number, prefix: string): Promise<number> {
  let count = 0;
  await eachRedisKeys(
    db,
    prefix,
    async (_client, keys) => {
      count += keys.length;
    },
    'string',
  );
  return count;
}

/** A RedisSessionStore on database `db` under `prefix`, as {@link redisUrl} opens it. */
export function redisStore(db: number, prefix: string): RedisSessionStore {
  return new RedisSessionStore({
    connection: { host: REDIS_HOST, port: REDIS_PORT, db },
    keyPrefix: prefix,
    operationTimeoutMs: 10_000,
  });
}

/** A cassandra-driver client on the test node (no keyspace). */
export function cassandraClient(): cassandra.Client {
  return new cassandra.Client({
    contactPoints: endpoints.cassandra.contactPoints,
    localDataCenter: endpoints.cassandra.localDataCenter,
    protocolOptions: { port: endpoints.cassandra.port },
    socketOptions: { readTimeout: 60_000 },
  });
}

/** Creates `keyspace` with the SessionKit tables (what `sessionkit schema --apply` does). */
export async function createKeyspace(keyspace: string): Promise<void> {
  const client = cassandraClient();
  try {
    await createSchema(client, {
      keyspace,
      replication: { class: 'NetworkTopologyStrategy', [endpoints.cassandra.localDataCenter]: 1 },
    });
  } finally {
    await client.shutdown();
  }
}

/** Drops `keyspace`. */
export async function dropKeyspace(keyspace: string): Promise<void> {
  const client = cassandraClient();
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await client.shutdown();
  }
}

/** The keys of every row of a keyspace's sessions table, and of its per-user index table. */
export async function cassandraRows(keyspace: string): Promise<{ sessions: string[]; indexEntries: number }> {
  const client = cassandraClient();
  try {
    const sessions: string[] = [];
    await eachRow(client, `SELECT key FROM ${keyspace}.sessions`, (row) => sessions.push(row.get('key') as string));
    let indexEntries = 0;
    await eachRow(client, `SELECT session_key FROM ${keyspace}.sessions_by_user`, () => {
      indexEntries++;
    });
    return { sessions, indexEntries };
  } finally {
    await client.shutdown();
  }
}

function eachRow(client: cassandra.Client, cql: string, onRow: (row: cassandra.types.Row) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    client.eachRow(
      cql,
      [],
      { prepare: true, fetchSize: 5000, autoPage: true },
      (_n, row) => onRow(row),
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

/** A Cassandra store on `keyspace`, opened the way the CLI opens it. */
export async function cassandraStore(keyspace: string): Promise<CassandraSessionStore> {
  const store = new CassandraSessionStore({
    contactPoints: endpoints.cassandra.contactPoints,
    localDataCenter: endpoints.cassandra.localDataCenter,
    keyspace,
    operationTimeoutMs: 10_000,
    clientOptions: { protocolOptions: { port: endpoints.cassandra.port } },
  });
  await store.connect();
  return store;
}

/** What {@link seed} wrote. */
export interface Seeded {
  /** Every key, in creation order. */
  keys: string[];
  /** Sessions per owner. */
  perUser: Map<string, number>;
  /** Sessions without an owner. */
  anonymous: number;
  /** Seeding time, ms. */
  ms: number;
}

/**
 * Writes `n` sessions into `store` with `create`, `concurrency` at a time: hashed random keys, 64-1024 random
 * bytes of data, versions 1-10, deadlines 2-26 h ahead with millisecond precision, and 9 in 10 owned by one of
 * `n / 5` users.
 */
export async function seed(store: SessionStore, n: number, concurrency = 256): Promise<Seeded> {
  const started = performance.now();
  const keys: string[] = new Array(n);
  const perUser = new Map<string, number>();
  let anonymous = 0;
  const users = Math.max(1, Math.floor(n / 5));
  let next = 0;
  const now = Date.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const key = hashSessionId(generateSessionId());
      keys[i] = key;
      const session: StoredSession = {
        data: new Uint8Array(randomBytes(64 + randomInt(961))),
        version: 1 + randomInt(10),
        expiresAt: now + 2 * 3_600_000 + randomInt(24 * 3_600_000),
      };
      if (randomInt(10) > 0) {
        const userId = `user-${randomInt(users)}`;
        session.userId = userId;
        perUser.set(userId, (perUser.get(userId) ?? 0) + 1);
      } else {
        anonymous++;
      }
      if (!(await store.create(key, session))) throw new Error('seed: a random key collided');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { keys, perUser, anonymous, ms: performance.now() - started };
}

/** What a run of the binary produced. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node dist/bin.js ...args`; `onStart` gets the child (to signal it). */
export function runCli(args: string[], onStart?: (child: ChildProcess) => void): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
    onStart?.(child);
  });
}

/** The `--json` summary of a copy run. */
export interface CopyJson {
  outcome: 'completed' | 'interrupted' | 'aborted';
  counts: { copied: number; skippedExpired: number; skippedExisting: number; failed: number };
  differing: number;
  failures: Record<string, number>;
  run: { scanned: number; settled: number; copied: number; pages: number; seconds: number; sessionsPerSecond: number };
  checkpoint: string | null;
  error?: { code: string; message: string };
}

/** Parses a run's stdout as the copy's JSON summary (failing the test with the run's output otherwise). */
export function copyJson(run: CliRun): CopyJson {
  try {
    return JSON.parse(run.stdout) as CopyJson;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
}

/** `size` distinct random elements of `items`. */
export function sample<T>(items: readonly T[], size: number): T[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(size, items.length)) picked.add(randomInt(items.length));
  return [...picked].map((i) => items[i]!);
}

/**
 * Checks that every key of `keys` reads the same from `target` as from `source`: data byte for byte, version,
 * expiresAt and userId, and that the owner's `listByUser` on the target lists it with the same deadline.
 */
export async function expectSameSessions(
  source: SessionStore,
  target: SessionStore,
  keys: readonly string[],
): Promise<void> {
  for (const key of keys) {
    const [want, got] = await Promise.all([source.get(key), target.get(key, { consistency: 'strong' })]);
    expect(want, 'the source still holds the sampled session').not.toBeNull();
    expect(got, 'the target holds the sampled session').not.toBeNull();
    expect(Buffer.from(got!.data).equals(Buffer.from(want!.data)), 'data bytes').toBe(true);
    expect(got!.version).toBe(want!.version);
    expect(got!.expiresAt).toBe(want!.expiresAt);
    expect(got!.userId).toBe(want!.userId);
    if (want!.userId !== undefined) {
      const listed = await target.listByUser(want!.userId);
      expect(listed.filter((e) => e.key === key)).toEqual([{ key, expiresAt: want!.expiresAt }]);
    }
  }
}

/** Checks the owners' per-user lists on `target`: exactly the seeded number of sessions each, no key twice. */
export async function expectUserLists(target: SessionStore, seeded: Seeded, users: readonly string[]): Promise<void> {
  for (const userId of users) {
    const listed = await target.listByUser(userId);
    expect(listed.length).toBe(seeded.perUser.get(userId));
    expect(new Set(listed.map((e) => e.key)).size).toBe(listed.length);
  }
}
