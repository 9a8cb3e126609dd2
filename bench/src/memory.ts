/**
 * Memory per stored session for each backend: N anonymous sessions of 1 KiB (random, incompressible bytes)
 * are written through the adapter, the backend's own memory figure is read before and after, and the delta is
 * divided by N. Other test suites may share the servers, so N is large enough for their traffic to be noise.
 *
 * - Redis: INFO `used_memory` delta.
 * - MemoryStore: `heapUsed + arrayBuffers` delta of this process after a full GC (needs `--expose-gc`).
 * - Memcached: `stats` `bytes` delta summed over all servers (item bytes: header + key + value; slab-class
 *   rounding is not included in `bytes`).
 * - Cassandra: `nodetool tablestats` over JMX (the node started by services/, JMX port 19199) on a freshly
 *   created keyspace: memtable data size per session; in the full run also after `nodetool flush`, the live
 *   SSTable space per session (LZ4 compressed on disk).
 * - Hazelcast: JVM heap used on both members (`jcmd <pid> GC.run` then `GC.heap_info`), which includes the
 *   backup copy every entry has on the other member (backup-count 1).
 * - DynamoDB: no memory figure is measurable (dynalite is an emulator; its memory says nothing about
 *   DynamoDB). Reported instead: the billed item size computed from the stored item by DynamoDB's published
 *   rules (attribute names + values, plus 100 bytes of per-item index overhead for storage).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { generateSessionId, hashSessionId, MemoryStore, type SessionStore } from '@sessionkit/core';
import { endpoints } from '@sessionkit/test-servers';

const exec = promisify(execFile);
const PAYLOAD_BYTES = 1024;
const TTL_MS = 2 * 3_600_000;
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One row of the memory table. */
export interface MemoryRow {
  backend: string;
  /** How the figure was obtained. */
  method: string;
  /** `measured`, `computed`, `not measured` or `error`. */
  status: 'measured' | 'computed' | 'not measured' | 'error';
  /** Bytes per session (undefined when not measured). */
  bytesPerSession?: number;
  payloadBytes: number;
  sessions?: number;
  notes?: string;
}

const keysFor = (n: number) => Array.from({ length: n }, () => hashSessionId(generateSessionId()));

async function writeAll(store: SessionStore, keys: string[], concurrency: number): Promise<void> {
  const expiresAt = Date.now() + TTL_MS;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        // A fresh payload per session: nothing can be shared or deduplicated.
        if (!(await store.create(key, { data: randomBytes(PAYLOAD_BYTES), version: 1, expiresAt })))
          throw new Error('create failed');
      }
    }),
  );
}

async function deleteAll(store: SessionStore, keys: string[], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) await store.delete(keys[next++]!);
    }),
  );
}

// ------------------------------------------------------------------------------------------------ Redis

async function redisRow(n: number): Promise<MemoryRow> {
  const { Redis } = await import('ioredis');
  const { RedisSessionStore } = await import('@sessionkit/redis');
  const url = new URL(endpoints.redis.url);
  const connection = { host: url.hostname, port: Number(url.port || 6379) };
  const admin = new Redis(connection);
  const store = new RedisSessionStore({ connection, keyPrefix: `skb-mem-${randomBytes(4).toString('hex')}:` });
  const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  const keys = keysFor(n);
  try {
    const before = await used();
    await writeAll(store, keys, 200);
    const after = await used();
    await deleteAll(store, keys, 200);
    return {
      backend: 'Redis',
      method: 'INFO used_memory delta',
      status: 'measured',
      bytesPerSession: (after - before) / n,
      payloadBytes: PAYLOAD_BYTES,
      sessions: n,
    };
  } finally {
    await store.close();
    await admin.quit();
  }
}

// ------------------------------------------------------------------------------------------------ MemoryStore

async function memoryStoreRow(n: number): Promise<MemoryRow> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    return {
      backend: 'MemoryStore',
      method: 'process heap delta',
      status: 'not measured',
      payloadBytes: PAYLOAD_BYTES,
      notes: 'needs node --expose-gc (npm run bench passes it)',
    };
  }
  const keys = keysFor(n);
  const store = new MemoryStore({ maxSessions: n + 1 });
  const heap = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = heap();
  await writeAll(store, keys, 1);
  const after = heap();
  await store.close();
  return {
    backend: 'MemoryStore',
    method: 'heapUsed + arrayBuffers delta after full GC (--expose-gc)',
    status: 'measured',
    bytesPerSession: (after - before) / n,
    payloadBytes: PAYLOAD_BYTES,
    sessions: n,
    notes: 'includes the 43-char key string, the entry object and the Map slot',
  };
}

// ------------------------------------------------------------------------------------------------ Memcached

function memcachedBytes(server: string): Promise<number> {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host!);
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`memcached ${server}: stats timed out`)));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('END\r\n')) {
        socket.end();
        const match = /STAT bytes (\d+)/.exec(text);
        match ? resolve(Number(match[1])) : reject(new Error(`memcached ${server}: no bytes stat`));
      }
    });
    socket.write('stats\r\n');
  });
}

async function memcachedRow(n: number): Promise<MemoryRow> {
  const { MemcachedSessionStore } = await import('@sessionkit/memcached');
  const servers = endpoints.memcached.servers;
  const total = async () => (await Promise.all(servers.map(memcachedBytes))).reduce((a, b) => a + b, 0);
  const store = new MemcachedSessionStore({ servers, keyPrefix: `skb-mem-${randomBytes(4).toString('hex')}:` });
  const keys = keysFor(n);
  try {
    const before = await total();
    await writeAll(store, keys, 64);
    const after = await total();
    await deleteAll(store, keys, 64);
    return {
      backend: 'Memcached',
      method: `stats bytes delta, ${servers.length} servers`,
      status: 'measured',
      bytesPerSession: (after - before) / n,
      payloadBytes: PAYLOAD_BYTES,
      sessions: n,
      notes: 'item bytes (header + key + value); slab-class rounding not included',
    };
  } finally {
    await store.close();
  }
}

// ------------------------------------------------------------------------------------------------ Cassandra

const CASSANDRA_JVM_FLAGS = [
  ...['java.base/jdk.internal.misc', 'jdk.unsupported/sun.misc'].flatMap((p) => ['--add-exports', `${p}=ALL-UNNAMED`]),
  ...['java.base/sun.nio.ch', 'java.base/java.io', 'java.base/java.lang', 'java.base/jdk.internal.ref'].flatMap((p) => [
    '--add-opens',
    `${p}=ALL-UNNAMED`,
  ]),
  '-Duser.home=/tmp',
  '-Dcassandra.logdir=/tmp',
];

async function nodetool(args: string[]): Promise<string> {
  const classpath = join(REPO, 'services', '.data', 'lib', 'cassandra', '*');
  const { stdout } = await exec(
    'java',
    [
      ...CASSANDRA_JVM_FLAGS,
      '-cp',
      classpath,
      'org.apache.cassandra.tools.NodeTool',
      '-h',
      '127.0.0.1',
      '-p',
      '19199',
      ...args,
    ],
    { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

function tableStat(output: string, table: string, stat: string): number {
  const section = output.split(/\n\s*Table: /).find((s) => s.startsWith(`${table}\n`));
  const match = section && new RegExp(`${stat}: (\\d+)`).exec(section);
  if (!match) throw new Error(`nodetool tablestats: no "${stat}" for ${table}`);
  return Number(match[1]);
}

async function cassandraRow(n: number, flush: boolean): Promise<MemoryRow> {
  if (process.env.SESSIONKIT_CASSANDRA_CONTACT_POINTS) {
    return {
      backend: 'Cassandra',
      method: 'nodetool tablestats',
      status: 'not measured',
      payloadBytes: PAYLOAD_BYTES,
      notes: 'external Cassandra: no local JMX / nodetool',
    };
  }
  const cassandra = (await import('cassandra-driver')).default;
  const { CassandraSessionStore, createSchema } = await import('@sessionkit/cassandra');
  const { contactPoints, localDataCenter } = endpoints.cassandra;
  const keyspace = 'sessionkit_bench_memory';
  const client = new cassandra.Client({ contactPoints, localDataCenter, socketOptions: { readTimeout: 60_000 } });
  await client.connect();
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await createSchema(client, { keyspace, replication: { class: 'NetworkTopologyStrategy', [localDataCenter]: 1 } });
    const store = new CassandraSessionStore({ client, keyspace, keyPrefix: 'm:', operationTimeoutMs: 30_000 });
    await writeAll(store, keysFor(n), 32);
    const stats = await nodetool(['tablestats', `${keyspace}.sessions`]);
    const memtable = tableStat(stats, 'sessions', 'Memtable data size');
    let notes = `memtable data size of a fresh table, no flush in between; ${flush ? '' : 'on-disk size: full run only'}`;
    if (flush) {
      await nodetool(['flush', keyspace, 'sessions']);
      const disk = tableStat(
        await nodetool(['tablestats', `${keyspace}.sessions`]),
        'sessions',
        'Space used \\(live\\)',
      );
      notes = `memtable data size of a fresh table; after nodetool flush: ${(disk / n).toFixed(0)} B/session on disk (SSTables, LZ4)`;
    }
    await store.close();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    return {
      backend: 'Cassandra',
      method: 'nodetool tablestats over JMX',
      status: 'measured',
      bytesPerSession: memtable / n,
      payloadBytes: PAYLOAD_BYTES,
      sessions: n,
      notes,
    };
  } finally {
    await client.shutdown();
  }
}

// ------------------------------------------------------------------------------------------------ Hazelcast

async function hazelcastHeap(pids: number[]): Promise<number> {
  let used = 0;
  for (const pid of pids) {
    await exec('jcmd', [String(pid), 'GC.run'], { timeout: 60_000 });
    const { stdout } = await exec('jcmd', [String(pid), 'GC.heap_info'], { timeout: 60_000 });
    // Serial/parallel GC: "generation total NK, used MK"; G1: "garbage-first heap total NK, used MK".
    const matches = [...stdout.matchAll(/(?:generation|heap)\s+total \d+K, used (\d+)K/g)];
    if (matches.length === 0) throw new Error(`jcmd ${pid} GC.heap_info: unrecognised output`);
    used += matches.reduce((sum, m) => sum + Number(m[1]) * 1024, 0);
  }
  return used;
}

async function hazelcastRow(n: number): Promise<MemoryRow> {
  const base = {
    backend: 'Hazelcast',
    method: 'JVM heap used delta on both members after GC (jcmd)',
    payloadBytes: PAYLOAD_BYTES,
  };
  if (process.env.SESSIONKIT_HAZELCAST_MEMBERS)
    return { ...base, status: 'not measured', notes: 'external members: no local jcmd access' };
  const pids: number[] = [];
  for (const port of endpoints.hazelcast.members.map((m) => m.split(':')[1])) {
    try {
      pids.push(
        (
          JSON.parse(await readFile(join(REPO, 'services', '.data', 'run', `hazelcast-${port}.pid`), 'utf8')) as {
            pid: number;
          }
        ).pid,
      );
    } catch {
      return {
        ...base,
        status: 'not measured',
        notes: `no pid file for the member on port ${port} (not started by services.mjs)`,
      };
    }
  }
  const { Client } = await import('hazelcast-client');
  const { HazelcastSessionStore } = await import('@sessionkit/hazelcast');
  const { members, clusterName } = endpoints.hazelcast;
  const client = await Client.newHazelcastClient({
    clusterName,
    network: { clusterMembers: members },
    properties: { 'hazelcast.logging.level': 'ERROR' },
  });
  const store = new HazelcastSessionStore({ client, mapName: 'sessionkit-bench-memory', keyPrefix: 'm:' });
  await store.connect();
  const keys = keysFor(n);
  try {
    const before = await hazelcastHeap(pids);
    await writeAll(store, keys, 64);
    const after = await hazelcastHeap(pids);
    await deleteAll(store, keys, 64);
    return {
      ...base,
      status: 'measured',
      bytesPerSession: (after - before) / n,
      sessions: n,
      notes:
        'includes the backup copy on the other member (backup-count 1), i.e. about 2 copies; other traffic on the members adds noise',
    };
  } finally {
    await store.close();
    await client.shutdown();
  }
}

// ------------------------------------------------------------------------------------------------ DynamoDB

/** DynamoDB's published item-size rules: names + values; numbers ~ 1 byte per 2 significant digits + 1. */
function attributeValueSize(value: Record<string, unknown>): number {
  if ('S' in value) return Buffer.byteLength(value.S as string);
  if ('N' in value) {
    const digits = String(value.N).replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if ('B' in value) return (value.B as Uint8Array).byteLength;
  if ('BOOL' in value || 'NULL' in value) return 1;
  return JSON.stringify(value).length; // not used by the adapter's layout
}

async function dynamoRow(): Promise<MemoryRow> {
  const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBSessionStore, createSessionTable } = await import('@sessionkit/dynamodb');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { endpoint, region, credentials } = endpoints.dynamodb;
  const raw = new DynamoDBClient({ endpoint, region, ...(credentials ? { credentials } : {}) });
  const table = 'sessionkit_bench_sessions';
  const prefix = `skb-mem-${randomBytes(4).toString('hex')}:`;
  const store = new DynamoDBSessionStore({ client: raw, tableName: table, keyPrefix: prefix });
  try {
    await createSessionTable(raw, { tableName: table });
    const key = hashSessionId(generateSessionId());
    await store.create(key, { data: randomBytes(PAYLOAD_BYTES), version: 1, expiresAt: Date.now() + TTL_MS });
    const got = await raw.send(new GetItemCommand({ TableName: table, Key: { pk: { S: prefix + key } } }));
    const item = got.Item!;
    const size = Object.entries(item).reduce(
      (sum, [name, value]) =>
        sum + Buffer.byteLength(name) + attributeValueSize(value as unknown as Record<string, unknown>),
      0,
    );
    await store.delete(key);
    return {
      backend: 'DynamoDB',
      method: 'computed: billed item size of the stored item + 100 B per-item storage overhead',
      status: 'computed',
      bytesPerSession: size + 100,
      payloadBytes: PAYLOAD_BYTES,
      sessions: 1,
      notes: `not a memory measurement: dynalite (the emulator) says nothing about DynamoDB's memory; item ${size} B (${Object.keys(item).join(', ')})`,
    };
  } finally {
    await store.close();
    raw.destroy();
  }
}

/** A row for a measurement left out of `--quick` (each needs JVM tools that take ~20 s on a loaded machine). */
async function skipped(backend: string, method: string): Promise<MemoryRow> {
  return {
    backend,
    method,
    status: 'not measured',
    payloadBytes: PAYLOAD_BYTES,
    notes: 'skipped in --quick (JVM tooling takes ~20 s); measured in the full run',
  };
}

/** Runs every memory measurement; a failing backend becomes an `error` row. */
export async function runMemoryBench(opts: { quick: boolean; log?: (line: string) => void }): Promise<MemoryRow[]> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const n = opts.quick ? 5_000 : 20_000;
  const steps: [string, () => Promise<MemoryRow>][] = [
    ['MemoryStore', () => memoryStoreRow(n)],
    ['Redis', () => redisRow(n)],
    ['Memcached', () => memcachedRow(n)],
    ['Hazelcast', () => (opts.quick ? skipped('Hazelcast', 'jcmd GC on both members') : hazelcastRow(n))],
    [
      'Cassandra',
      () => (opts.quick ? skipped('Cassandra', 'nodetool tablestats over JMX') : cassandraRow(5_000, true)),
    ],
    ['DynamoDB', () => dynamoRow()],
  ];
  const rows: MemoryRow[] = [];
  for (const [backend, step] of steps) {
    const started = performance.now();
    try {
      rows.push(await step());
    } catch (error) {
      rows.push({
        backend,
        method: '',
        status: 'error',
        payloadBytes: PAYLOAD_BYTES,
        notes: error instanceof Error ? error.message.split('\n')[0] : String(error),
      });
    }
    log(`  memory ${backend}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runMemoryBench({ quick: process.argv.includes('--quick') }));
}
