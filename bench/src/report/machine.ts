/** Describes the machine and the servers a run measured: CPU, memory, load, Node, server and client versions. */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpoints } from '@sessionkit/test-servers';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface LoadAverage {
  one: number;
  five: number;
  fifteen: number;
  raw: string;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  servers: Record<string, string>;
  clients: Record<string, string>;
}

export async function loadAverage(): Promise<LoadAverage> {
  try {
    const raw = (await readFile('/proc/loadavg', 'utf8')).trim();
    const [one, five, fifteen] = raw.split(/\s+/).map(Number);
    return { one: one!, five: five!, fifteen: fifteen!, raw };
  } catch {
    const [one, five, fifteen] = os.loadavg();
    return {
      one: one!,
      five: five!,
      fifteen: fifteen!,
      raw: os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' '),
    };
  }
}

async function cpuModel(): Promise<string> {
  try {
    const info = await readFile('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

async function safely(name: string, servers: Record<string, string>, probe: () => Promise<string>): Promise<void> {
  try {
    servers[name] = await withTimeout(probe(), 20_000);
  } catch (error) {
    servers[name] = `unknown (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

function memcachedVersion(server: string): Promise<string> {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host!);
    socket.on('error', reject);
    socket.once('data', (chunk) => {
      socket.end();
      resolve(
        chunk
          .toString('latin1')
          .replace(/^VERSION /, '')
          .trim(),
      );
    });
    socket.write('version\r\n');
  });
}

async function packageVersion(name: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

/** Collects the machine description (never throws: unknown parts say why). */
export async function describeMachine(): Promise<MachineInfo> {
  const servers: Record<string, string> = {};
  await Promise.all([
    safely('Redis', servers, async () => {
      const { Redis } = await import('ioredis');
      const client = new Redis(endpoints.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        const info = await client.info('server');
        return `${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} (${endpoints.redis.url})`;
      } finally {
        client.disconnect();
      }
    }),
    safely(
      'Memcached',
      servers,
      async () =>
        `${await memcachedVersion(endpoints.memcached.servers[0]!)} (${endpoints.memcached.servers.length} servers)`,
    ),
    safely('Cassandra', servers, async () => {
      const cassandra = (await import('cassandra-driver')).default;
      const { contactPoints, localDataCenter } = endpoints.cassandra;
      const client = new cassandra.Client({ contactPoints, localDataCenter });
      try {
        const rs = await client.execute('SELECT release_version FROM system.local');
        return `${rs.first()?.get('release_version') ?? '?'} (single node)`;
      } finally {
        await client.shutdown();
      }
    }),
    safely('Hazelcast', servers, async () => {
      const { Client } = await import('hazelcast-client');
      const { members, clusterName } = endpoints.hazelcast;
      const client = await Client.newHazelcastClient({
        clusterName,
        network: { clusterMembers: members },
        connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 10_000 } },
        properties: { 'hazelcast.logging.level': 'OFF' },
      });
      try {
        const list = client.getCluster().getMembers();
        const v = (list[0] as unknown as { version?: { major: number; minor: number; patch: number } } | undefined)
          ?.version;
        return `${v ? `${v.major}.${v.minor}.${v.patch}` : '?'} (${list.length} members)`;
      } finally {
        await client.shutdown();
      }
    }),
    safely(
      'DynamoDB',
      servers,
      async () => `dynalite ${await packageVersion('dynalite')} (in-memory emulator at ${endpoints.dynamodb.endpoint})`,
    ),
  ]);
  const clients: Record<string, string> = {};
  for (const name of [
    'ioredis',
    'memjs',
    'cassandra-driver',
    '@aws-sdk/client-dynamodb',
    'hazelcast-client',
    'express',
    'express-session',
    'connect-redis',
    'redis',
    'autocannon',
  ]) {
    clients[name] = await packageVersion(name);
  }
  return {
    cpuModel: await cpuModel(),
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    servers,
    clients,
  };
}
