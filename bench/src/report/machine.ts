/**
 * Describes the machine and the servers a run measured: CPU, memory, load, Node, server and client versions, and
 * the disk a directory is on.
 */
import { readFile, readlink, realpath, statfs } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
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

/** The file system and block device a directory lives on, as far as /proc and /sys tell. */
export interface DiskInfo {
  /** The directory described. */
  path: string;
  /** Mount source, e.g. `/dev/vda`. */
  device: string;
  /** File system type, e.g. `ext4`. */
  filesystem: string;
  /** Where that file system is mounted, and with which options. */
  mountPoint: string;
  mountOptions: string;
  /** Size of the file system, GiB. */
  sizeGiB?: number;
  /** Kernel driver of the block device, e.g. `virtio_blk`, `nvme`. */
  driver?: string;
  /** `write back` (fsync also flushes the device's cache) or `write through`. */
  writeCache?: string;
  /** Whether the kernel reports a rotational disk (virtual disks often say 1 whatever backs them). */
  rotational?: boolean;
}

/** Reads a one-line /sys attribute, or undefined. */
async function sysAttribute(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Describes the file system `dir` is on (the longest mount point of /proc/self/mounts containing it) and, for a
 * block device, its driver and cache mode from /sys. Never throws: what cannot be read is left out.
 */
export async function describeDisk(dir: string): Promise<DiskInfo> {
  const path = await realpath(dir).catch(() => dir);
  let mount = { device: 'unknown', mountPoint: '/', filesystem: 'unknown', mountOptions: '' };
  try {
    for (const line of (await readFile('/proc/self/mounts', 'utf8')).split('\n')) {
      const [device, mountPoint, filesystem, mountOptions] = line.split(' ');
      if (!device || !mountPoint || !filesystem || mountOptions === undefined) continue;
      const inside = mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`);
      if (inside && mountPoint.length >= mount.mountPoint.length)
        mount = { device, mountPoint, filesystem, mountOptions };
    }
  } catch {
    /* no /proc: leave the mount unknown */
  }
  const info: DiskInfo = { path, ...mount };
  try {
    const fs = await statfs(path);
    info.sizeGiB = (fs.blocks * fs.bsize) / 1024 ** 3;
  } catch {
    /* statfs unsupported */
  }
  if (mount.device.startsWith('/dev/')) {
    // A partition's /sys entry sits inside its disk's; the queue attributes belong to the disk.
    let block = join('/sys/class/block', basename(await realpath(mount.device).catch(() => mount.device)));
    block = await realpath(block).catch(() => block);
    const disk = (await sysAttribute(join(block, 'partition'))) ? dirname(block) : block;
    const driver = await readlink(join(disk, 'device', 'driver')).catch(() => undefined);
    if (driver) info.driver = basename(driver);
    const writeCache = await sysAttribute(join(disk, 'queue', 'write_cache'));
    if (writeCache) info.writeCache = writeCache;
    const rotational = await sysAttribute(join(disk, 'queue', 'rotational'));
    if (rotational) info.rotational = rotational === '1';
  }
  return info;
}
