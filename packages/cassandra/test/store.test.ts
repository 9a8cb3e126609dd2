/**
 * Cassandra-specific behaviour against the real node from services/: schema helper, LWT details (expired but
 * unpurged rows, CAS write timeouts resolved by a SERIAL read), per-call consistency, the per-user index's
 * ordering and timestamps, deadlines, and the existing-client contract.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { StoredSession } from '@sessionkit/core';
import {
  ConfigurationError,
  generateSessionId,
  hashSessionId,
  StoreClosedError,
  StoreTimeoutError,
  StoreUnavailableError,
} from '@sessionkit/core';
import { endpoints } from '@sessionkit/test-servers';
import type { Client } from 'cassandra-driver';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CassandraSessionStore, createSchema } from '../src/index.js';
import {
  casWriteTimeout,
  ensureSchema,
  instrument,
  isSessionLwt,
  KEYSPACE,
  newClient,
  openStore,
  rawIndex,
  rawRow,
} from './helpers.js';

const { consistencies } = cassandra.types;
const key = () => hashSessionId(generateSessionId());
const prefix = () => `t-${randomBytes(4).toString('hex')}:`;
const record = (over: Partial<StoredSession> = {}): StoredSession => ({
  data: new Uint8Array(randomBytes(24)),
  version: 1,
  expiresAt: Date.now() + 10 * 60_000,
  ...over,
});

let client: Client;
const stores: CassandraSessionStore[] = [];
/** A store on the shared client (closed after the file; the client is shut down once). */
function store(options: Partial<ConstructorParameters<typeof CassandraSessionStore>[0]> = {}): CassandraSessionStore {
  const s = openStore({ client, keyPrefix: prefix(), ...options });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  await ensureSchema();
  client = newClient();
  await client.connect();
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await client?.shutdown();
});

describe('createSchema', () => {
  const keyspace = `sk_schema_${randomBytes(3).toString('hex')}`;
  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  });

  it('creates keyspace and tables idempotently, with TWCS and the chosen gc_grace_seconds', async () => {
    const replication = { class: 'NetworkTopologyStrategy' as const, [endpoints.cassandra.localDataCenter]: 1 };
    await createSchema(client, { keyspace, replication, gcGraceSeconds: 7200, compactionWindowHours: 2 });
    await createSchema(client, { keyspace, replication, gcGraceSeconds: 7200, compactionWindowHours: 2 });
    const rs = await client.execute(
      'SELECT table_name, gc_grace_seconds, compaction FROM system_schema.tables WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    );
    const tables = new Map(rs.rows.map((r) => [String(r.get('table_name')), r]));
    expect([...tables.keys()].sort()).toEqual(['sessions', 'sessions_by_user']);
    for (const row of tables.values()) {
      expect(row.get('gc_grace_seconds')).toBe(7200);
      const compaction = row.get('compaction') as Record<string, string>;
      expect(compaction.class).toContain('TimeWindowCompactionStrategy');
      expect(compaction.compaction_window_size).toBe('2');
    }
    // And a store works on it right away (schema agreement was waited for).
    const s = store({ keyspace });
    const k = key();
    expect(await s.create(k, record({ userId: 'u1' }))).toBe(true);
    expect((await s.listByUser('u1')).map((e) => e.key)).toEqual([k]);
  });

  it('a missing table is a ConfigurationError that points at createSchema', async () => {
    const s = store({ keyspace: 'sk_does_not_exist' });
    const error = await s.get(key()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).store).toBe('cassandra');
    expect(String((error as Error).message)).toMatch(/createSchema/);
  });
});

describe('an existing client', () => {
  it('is used as is and not shut down by close()', async () => {
    const own = newClient();
    try {
      const s = openStore({ client: own, keyPrefix: prefix() });
      const k = key();
      expect(await s.create(k, record())).toBe(true);
      await s.close();
      await expect(s.get(k)).rejects.toBeInstanceOf(StoreClosedError);
      const rs = await own.execute('SELECT release_version FROM system.local');
      expect(rs.rowLength).toBe(1);
    } finally {
      await own.shutdown();
    }
  });
});

describe('rows past expires_at that Cassandra has not purged yet', () => {
  // A store whose clock runs 60 s ahead sees rows written with a 30 s deadline as expired, while Cassandra
  // (TTL 30 s) still holds them: exactly the state of a row between expires_at and its whole-second TTL.
  const ahead = { now: () => Date.now() + 60_000 };

  it('are hidden from get, refused by update/touch/delete, and replaced by create (LWT on that generation)', async () => {
    const p = prefix();
    const writer = store({ keyPrefix: p });
    const late = store({ keyPrefix: p, clock: ahead });
    const k = key();
    expect(await writer.create(k, record({ expiresAt: Date.now() + 30_000, userId: 'old-owner' }))).toBe(true);
    const before = await rawRow(client, p + k);
    expect(before).not.toBeNull();

    expect(await late.get(k)).toBeNull();
    expect(await late.get(k, { consistency: 'strong' })).toBeNull();
    expect(await late.update(k, record({ version: 2, expiresAt: Date.now() + 600_000 }), 1)).toBe(false);
    expect(await late.touch(k, Date.now() + 600_000)).toBe(false);
    expect(await late.delete(k)).toBe(false);
    const untouched = await rawRow(client, p + k);
    expect(untouched?.writeId).toBe(before?.writeId);

    const fresh = record({ expiresAt: Date.now() + 600_000 });
    expect(await late.create(k, fresh)).toBe(true);
    const got = await late.get(k);
    expect(got?.version).toBe(1);
    expect(Buffer.from(got!.data).equals(Buffer.from(fresh.data))).toBe(true);
    expect(got?.userId).toBeUndefined(); // the previous generation's owner does not carry over
    expect((await rawRow(client, p + k))?.writeId).not.toBe(before?.writeId);
    expect(await late.listByUser('old-owner')).toEqual([]);
  });
});

describe('CAS write timeouts are resolved by a SERIAL read, not guessed', () => {
  /**
   * `mode: 'after'` runs the LWT for real, then reports a CAS write timeout (the write applied but the client
   * never heard). `mode: 'before'` reports it without running the LWT (the write never happened).
   */
  function timeoutOnce(mode: 'after' | 'before') {
    let armed = true;
    return instrument(client, (call, passThrough) => {
      if (!armed || !isSessionLwt(call.cql)) return undefined;
      armed = false;
      return mode === 'after'
        ? passThrough().then(() => Promise.reject(casWriteTimeout()))
        : Promise.reject(casWriteTimeout());
    });
  }

  const serialReads = (calls: { cql: string; options: cassandra.QueryOptions }[]) =>
    calls.filter((c) => c.cql.startsWith('SELECT') && c.options.consistency === consistencies.localSerial);

  it('update that applied before the timeout resolves true (a blind retry would answer false)', async () => {
    const p = prefix();
    const plain = store({ keyPrefix: p });
    const k = key();
    await plain.create(k, record());
    const { client: faulty, calls } = timeoutOnce('after');
    const s = store({ client: faulty, keyPrefix: p });
    const next = record({ version: 2 });
    expect(await s.update(k, next, 1)).toBe(true);
    expect(serialReads(calls)).toHaveLength(1);
    const got = await plain.get(k, { consistency: 'strong' });
    expect(got?.version).toBe(2);
    expect(Buffer.from(got!.data).equals(Buffer.from(next.data))).toBe(true);
    expect(calls.filter((c) => isSessionLwt(c.cql))).toHaveLength(1); // not re-sent
  });

  it('update that never ran resolves as not applied and is retried once', async () => {
    const p = prefix();
    const plain = store({ keyPrefix: p });
    const k = key();
    await plain.create(k, record());
    const { client: faulty, calls } = timeoutOnce('before');
    const s = store({ client: faulty, keyPrefix: p });
    expect(await s.update(k, record({ version: 2 }), 1)).toBe(true);
    expect(serialReads(calls)).toHaveLength(1);
    expect(calls.filter((c) => isSessionLwt(c.cql))).toHaveLength(2);
    expect((await plain.get(k, { consistency: 'strong' }))?.version).toBe(2);
  });

  it('create and delete that applied before the timeout resolve true', async () => {
    const p = prefix();
    const plain = store({ keyPrefix: p });
    const k = key();
    const created = timeoutOnce('after');
    expect(await store({ client: created.client, keyPrefix: p }).create(k, record({ userId: 'cas-user' }))).toBe(true);
    expect(serialReads(created.calls)).toHaveLength(1);
    expect(await plain.get(k)).not.toBeNull();

    const deleted = timeoutOnce('after');
    expect(await store({ client: deleted.client, keyPrefix: p }).delete(k)).toBe(true);
    expect(serialReads(deleted.calls)).toHaveLength(1);
    expect(await plain.get(k, { consistency: 'strong' })).toBeNull();
  });

  it('touch that applied before the timeout resolves true and keeps data and version', async () => {
    const p = prefix();
    const plain = store({ keyPrefix: p });
    const k = key();
    const original = record();
    await plain.create(k, original);
    const { client: faulty, calls } = timeoutOnce('after');
    const later = Date.now() + 30 * 60_000;
    expect(await store({ client: faulty, keyPrefix: p }).touch(k, later)).toBe(true);
    expect(serialReads(calls)).toHaveLength(1);
    const got = await plain.get(k);
    expect(got?.expiresAt).toBe(later);
    expect(got?.version).toBe(1);
    expect(Buffer.from(got!.data).equals(Buffer.from(original.data))).toBe(true);
  });

  it('when the SERIAL read fails too, the outcome is reported unknown with a typed, retryable error', async () => {
    const p = prefix();
    const plain = store({ keyPrefix: p });
    const k = key();
    await plain.create(k, record());
    const { client: faulty } = instrument(client, (call) => {
      if (isSessionLwt(call.cql)) return Promise.reject(casWriteTimeout());
      if (call.options.consistency === consistencies.localSerial) {
        return Promise.reject(new cassandra.errors.NoHostAvailableError({}));
      }
      return undefined;
    });
    const error = await store({ client: faulty, keyPrefix: p })
      .update(k, record({ version: 2 }), 1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/outcome unknown.*CAS write timeout/);
  });
});

describe('consistency per call', () => {
  it("'eventual' reads at LOCAL_ONE, 'strong' at LOCAL_QUORUM, LWTs commit at LOCAL_QUORUM with LOCAL_SERIAL", async () => {
    const { client: spy, calls } = instrument(client);
    const s = store({ client: spy });
    const k = key();
    await s.create(k, record());
    await s.get(k);
    await s.get(k, { consistency: 'eventual' });
    await s.get(k, { consistency: 'strong' });
    const reads = calls.filter((c) => c.cql.startsWith('SELECT'));
    expect(reads.map((c) => c.options.consistency)).toEqual([
      consistencies.localOne,
      consistencies.localOne,
      consistencies.localQuorum,
    ]);
    const lwt = calls.find((c) => isSessionLwt(c.cql));
    expect(lwt?.options.consistency).toBe(consistencies.localQuorum);
    expect(lwt?.options.serialConsistency).toBe(consistencies.localSerial);
    expect(lwt?.options.isIdempotent).toBe(false);
    expect(calls.every((c) => c.options.prepare === true)).toBe(true);
  });

  it('levels are configurable', async () => {
    const { client: spy, calls } = instrument(client);
    const s = store({
      client: spy,
      consistency: {
        eventualRead: consistencies.one,
        strongRead: consistencies.localSerial,
        serial: consistencies.serial,
      },
    });
    const k = key();
    await s.create(k, record());
    await s.get(k);
    await s.get(k, { consistency: 'strong' });
    const reads = calls.filter((c) => c.cql.startsWith('SELECT'));
    expect(reads.map((c) => c.options.consistency)).toEqual([consistencies.one, consistencies.localSerial]);
    expect(calls.find((c) => isSessionLwt(c.cql))?.options.serialConsistency).toBe(consistencies.serial);
  });
});

describe('per-user index', () => {
  it('is written before the session LWT: a failed LWT leaves only a dangling entry, which is filtered', async () => {
    const p = prefix();
    const user = `u-${randomUUID()}`;
    const { client: failing } = instrument(client, (call) =>
      isSessionLwt(call.cql)
        ? Promise.reject(
            new cassandra.errors.ResponseError(
              cassandra.types.responseErrorCodes.unavailableException,
              'Cannot achieve consistency level LOCAL_QUORUM',
            ),
          )
        : undefined,
    );
    const k = key();
    await expect(store({ client: failing, keyPrefix: p }).create(k, record({ userId: user }))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect((await rawIndex(client, p, user)).map((e) => e.key)).toEqual([k]); // entry first...
    expect(await rawRow(client, p + k)).toBeNull(); // ...no session
    const s = store({ keyPrefix: p });
    expect(await s.listByUser(user)).toEqual([]);
    expect(await s.deleteByUser(user)).toBe(0);
    // The dangling entry is left for its TTL: it could as well be a login whose LWT is still in flight.
    expect((await rawIndex(client, p, user)).map((e) => e.key)).toEqual([k]);
  });

  it('entries carry TTL and write time of the latest deadline; an earlier deadline never shortens them', async () => {
    const p = prefix();
    const s = store({ keyPrefix: p });
    const user = `u-${randomUUID()}`;
    const k = key();
    const first = Date.now() + 20 * 60_000;
    await s.create(k, record({ userId: user, expiresAt: first }));
    let [entry] = await rawIndex(client, p, user);
    expect(entry?.writtenMicros).toBe(first * 1000);
    expect(Math.abs(entry!.ttl! * 1000 - (first - Date.now()))).toBeLessThan(3000);

    const later = Date.now() + 40 * 60_000;
    expect(await s.touch(k, later)).toBe(true);
    [entry] = await rawIndex(client, p, user);
    expect(entry?.writtenMicros).toBe(later * 1000);

    // Moving the deadline earlier: the entry keeps the later deadline (it may dangle a while, never vanish early).
    const earlier = Date.now() + 5 * 60_000;
    expect(await s.update(k, record({ version: 2, userId: user, expiresAt: earlier }), 1)).toBe(true);
    [entry] = await rawIndex(client, p, user);
    expect(entry?.writtenMicros).toBe(later * 1000);
    expect(await s.listByUser(user)).toEqual([{ key: k, expiresAt: earlier }]);

    expect(await s.delete(k)).toBe(true);
    expect(await s.listByUser(user)).toEqual([]);
  });

  it('entries of other users or of rows re-owned are filtered by the owner stored in the row', async () => {
    const p = prefix();
    const s = store({ keyPrefix: p });
    const k = key();
    await s.create(k, record({ userId: 'alice' }));
    // An index entry claiming bob owns alice's session (e.g. left by a failed create) is not listed for bob.
    await client.execute(
      `INSERT INTO ${KEYSPACE}.sessions_by_user (prefix, user_id, session_key, expires_at) VALUES (?, ?, ?, ?) USING TTL 600`,
      [p, 'bob', k, Date.now() + 600_000],
      { prepare: true },
    );
    expect(await s.listByUser('bob')).toEqual([]);
    expect(await s.deleteByUser('bob')).toBe(0);
    expect(await s.get(k)).not.toBeNull();
  });

  it('update keeps the owner set at create even when called with another userId', async () => {
    const s = store();
    const k = key();
    await s.create(k, record({ userId: 'owner' }));
    expect(await s.update(k, record({ version: 2, userId: 'intruder' }), 1)).toBe(true);
    expect((await s.get(k))?.userId).toBe('owner');
    expect((await s.listByUser('owner')).map((e) => e.key)).toEqual([k]);
    expect(await s.listByUser('intruder')).toEqual([]);
  });
});

describe('atomicity across store instances (no local write queue)', () => {
  it('concurrent updates from two clients at one version: exactly one winner', async () => {
    const p = prefix();
    const other = newClient();
    try {
      const a = store({ keyPrefix: p, serializeWritesPerKey: false });
      const b = openStore({ client: other, keyPrefix: p, serializeWritesPerKey: false });
      const k = key();
      await a.create(k, record());
      const attempts = Array.from({ length: 16 }, (_, i) => ({ s: i % 2 ? a : b, r: record({ version: 2 }) }));
      const results = await Promise.all(attempts.map(({ s, r }) => s.update(k, r, 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = attempts[results.indexOf(true)]!;
      const got = await a.get(k, { consistency: 'strong' });
      expect(Buffer.from(got!.data).equals(Buffer.from(winner.r.data))).toBe(true);
      await b.close();
    } finally {
      await other.shutdown();
    }
  });
});

describe('deadlines and typed errors', () => {
  it('a request that never answers fails with StoreTimeoutError at operationTimeoutMs, and nothing runs after it', async () => {
    let release!: () => void;
    const stalled = new Promise<never>((_, reject) => {
      release = () => reject(new Error('released'));
    });
    stalled.catch(() => {});
    const { client: hanging, calls } = instrument(client, () => stalled);
    const s = store({ client: hanging, operationTimeoutMs: 300 });
    const error = await s.create(key(), record({ userId: 'u' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect((error as StoreTimeoutError).store).toBe('cassandra');
    expect((error as StoreTimeoutError).operation).toBe('create');
    const sent = calls.length;
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.length).toBe(sent); // the create did not go on to its LWT after the deadline
  });

  it('expiresAt beyond Cassandra’s 20-year TTL limit is a ConfigurationError before anything is written', async () => {
    const { client: spy, calls } = instrument(client);
    const s = store({ client: spy });
    await expect(s.create(key(), record({ expiresAt: Date.now() + 21 * 365 * 86_400_000 }))).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    expect(calls).toHaveLength(0);
  });
});
