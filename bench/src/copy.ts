/**
 * What `sessionkit copy` achieves (issue 25): the copy engine of `@sessionkit/cli` (`copySessions`, the code
 * the command runs) moving N sessions (100,000; 10,000 with `--quick`) from Redis to Cassandra and from Redis to
 * a tiered Redis + Cassandra pair, side by side with the two bounds it cannot beat:
 *
 * - the source alone: the same Redis store's `scan` walked page by page (same page size), nothing written;
 * - the target alone: the same records written with `create` at the copy's concurrency, nothing read.
 *
 * Each route measures scan alone, create alone (into a fresh key prefix) and the copy (into another fresh
 * prefix) back to back, so the three share the machine's state. Figures are sessions per second; the ratios
 * are copy / scan alone and copy / create alone (1.0 = the copy costs nothing beyond its slower side).
 *
 * The source is a Redis database of its own (flushed before and after), so its scan walks only these sessions.
 *
 * Run: `npx tsx bench/src/copy.ts [--quick]`, or `npm run bench -- --only=copy [--write]`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { type CopyCounts, copySessions, DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE } from '@sessionkit/cli/copy';
import {
  generateSessionId,
  hashSessionId,
  mapLimit,
  type ScanEntry,
  type SessionStore,
  type StoredSession,
} from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { endpoints } from '@sessionkit/test-servers';
import { TieredStore } from '@sessionkit/tiered';
import cassandra from 'cassandra-driver';
import { Redis } from 'ioredis';

/** The Redis databases of this part: the source, and the cache tier of the tiered target. */
const SOURCE_DB = 9;
const CACHE_DB = 8;
const KEYSPACE = 'sessionkit_bench_copy';

/** One route: figures in sessions per second. */
export interface CopyBenchRow {
  route: string;
  sessions: number;
  /** The source's `scan` alone. */
  scanPerSec: number;
  /** The target's `create` alone, at the copy's concurrency. */
  createPerSec: number;
  /** The copy (`copySessions`). */
  copyPerSec: number;
  copySeconds: number;
  /** copy / scan alone. */
  vsScan: number;
  /** copy / create alone. */
  vsCreate: number;
  /** The copy's counts (all copied when nothing went wrong). */
  counts: CopyCounts;
}

/** What {@link runCopyBench} reports. */
export interface CopyBenchReport {
  sessions: number;
  concurrency: number;
  pageSize: number;
  /** Time to seed the source, s. */
  seedSeconds: number;
  rows: CopyBenchRow[];
  /** The error of a first attempt that the runner retried. */
  retried?: string;
}

const redisAddress = () => {
  const url = new URL(endpoints.redis.url);
  return { host: url.hostname, port: Number(url.port || 6379) };
};

async function flushDb(db: number): Promise<void> {
  const client = new Redis({ ...redisAddress(), db, lazyConnect: true });
  try {
    await client.connect();
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}

const redisStore = (db: number, keyPrefix: string) =>
  new RedisSessionStore({ connection: { ...redisAddress(), db }, keyPrefix, operationTimeoutMs: 10_000 });

/** Sessions of 64-1024 random bytes, 9 in 10 owned by one of n/5 users, 2-26 h to live. */
function makeSession(users: number, now: number): StoredSession {
  const session: StoredSession = {
    data: new Uint8Array(randomBytes(64 + randomInt(961))),
    version: 1 + randomInt(10),
    expiresAt: now + 2 * 3_600_000 + randomInt(24 * 3_600_000),
  };
  if (randomInt(10) > 0) session.userId = `user-${randomInt(users)}`;
  return session;
}

/** Walks the whole source once; resolves the records and the sessions listed per second. */
async function scanAlone(source: SessionStore, pageSize: number): Promise<{ entries: ScanEntry[]; perSec: number }> {
  const entries: ScanEntry[] = [];
  const started = performance.now();
  let cursor: string | undefined;
  do {
    const page = await source.scan!({ ...(cursor === undefined ? {} : { cursor }), limit: pageSize });
    for (const entry of page.entries) entries.push(entry);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { entries, perSec: (entries.length * 1000) / (performance.now() - started) };
}

/** Writes `entries` into `target` with `create`, `concurrency` at a time; resolves sessions per second. */
async function createAlone(target: SessionStore, entries: readonly ScanEntry[], concurrency: number): Promise<number> {
  const started = performance.now();
  const written = await mapLimit(entries, concurrency, (e) => target.create(e.key, e.session));
  if (written.some((ok) => !ok)) throw new Error('create alone: a key already existed on a fresh prefix');
  return (entries.length * 1000) / (performance.now() - started);
}

/** Runs the copy part. */
export async function runCopyBench(opts: { quick: boolean; log: (line: string) => void }): Promise<CopyBenchReport> {
  const sessions = opts.quick ? 10_000 : 100_000;
  const concurrency = DEFAULT_CONCURRENCY;
  const pageSize = DEFAULT_PAGE_SIZE;
  const run = `${Date.now().toString(36)}:`;
  const { contactPoints, localDataCenter, port } = endpoints.cassandra;
  const client = new cassandra.Client({
    contactPoints,
    localDataCenter,
    protocolOptions: { port },
    socketOptions: { readTimeout: 30_000 },
  });
  const closers: SessionStore[] = [];
  await Promise.all([flushDb(SOURCE_DB), flushDb(CACHE_DB)]);
  try {
    await client.connect();
    await createSchema(client, {
      keyspace: KEYSPACE,
      replication: { class: 'NetworkTopologyStrategy', [localDataCenter]: 1 },
    });
    const cassandraStore = (prefix: string) => {
      const store = new CassandraSessionStore({
        client,
        keyspace: KEYSPACE,
        keyPrefix: prefix,
        operationTimeoutMs: 10_000,
      });
      closers.push(store);
      return store;
    };
    const tieredStore = (prefix: string) => {
      const cache = redisStore(CACHE_DB, prefix);
      closers.push(cache);
      return new TieredStore({ cache, durable: cassandraStore(prefix) });
    };

    const source = redisStore(SOURCE_DB, 'sk:');
    closers.push(source);
    const users = Math.floor(sessions / 5);
    const now = Date.now();
    const seedStarted = performance.now();
    const keys = Array.from({ length: sessions }, () => hashSessionId(generateSessionId()));
    await mapLimit(keys, 256, (key) => source.create(key, makeSession(users, now)));
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    opts.log(`seeded ${sessions} sessions into Redis db ${SOURCE_DB} in ${seedSeconds.toFixed(1)} s`);

    const routes: { route: string; target: (prefix: string) => SessionStore }[] = [
      { route: 'Redis -> Cassandra', target: cassandraStore },
      { route: 'Redis -> tiered Redis + Cassandra', target: tieredStore },
    ];
    const rows: CopyBenchRow[] = [];
    for (const [i, { route, target }] of routes.entries()) {
      (globalThis as { gc?: () => void }).gc?.();
      const scanned = await scanAlone(source, pageSize);
      if (scanned.entries.length !== sessions) throw new Error(`scan listed ${scanned.entries.length} of ${sessions}`);
      opts.log(`${route}: scan alone ${Math.round(scanned.perSec)}/s`);
      const createPerSec = await createAlone(target(`${run}${i}c:`), scanned.entries, concurrency);
      scanned.entries.length = 0;
      opts.log(`${route}: create alone ${Math.round(createPerSec)}/s`);
      (globalThis as { gc?: () => void }).gc?.();
      const result = await copySessions(source, target(`${run}${i}k:`), { concurrency, pageSize });
      if (result.outcome !== 'completed') throw new Error(`copy ${result.outcome}: ${result.error?.message ?? ''}`);
      if (result.counts.copied !== sessions) throw new Error(`copy copied ${result.counts.copied} of ${sessions}`);
      opts.log(`${route}: copy ${Math.round(result.perSecond)}/s`);
      rows.push({
        route,
        sessions,
        scanPerSec: scanned.perSec,
        createPerSec,
        copyPerSec: result.perSecond,
        copySeconds: result.elapsedMs / 1000,
        vsScan: result.perSecond / scanned.perSec,
        vsCreate: result.perSecond / createPerSec,
        counts: result.counts,
      });
    }
    return { sessions, concurrency, pageSize, seedSeconds, rows };
  } finally {
    await Promise.allSettled(closers.map((s) => s.close()));
    await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`).catch(() => undefined);
    await client.shutdown();
    await Promise.all([flushDb(SOURCE_DB), flushDb(CACHE_DB)]);
  }
}

/** Prints one line per route. */
export function printCopyReport(report: CopyBenchReport): void {
  console.table(
    report.rows.map((r) => ({
      route: r.route,
      sessions: r.sessions,
      'copy /s': Math.round(r.copyPerSec),
      'copy s': r.copySeconds.toFixed(1),
      'scan alone /s': Math.round(r.scanPerSec),
      'create alone /s': Math.round(r.createPerSec),
      'copy / scan': `${r.vsScan.toFixed(3)}x`,
      'copy / create': `${r.vsCreate.toFixed(3)}x`,
    })),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printCopyReport(await runCopyBench({ quick: process.argv.includes('--quick'), log: console.log }));
  process.exit(0);
}
