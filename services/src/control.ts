/**
 * Fault helpers for tests: stop, kill and (re)start our own test servers. Every call runs the services CLI
 * (`services/bin/services.mjs`), so the start/health logic exists once; `start` and `restart` resolve only
 * when the server (and its cluster, if it is in one) is healthy again.
 *
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Backend, ENV_VARS, resolveEndpoints } from './endpoints.js';

const run = promisify(execFile);
// Same relative path from src/ (vitest) and dist/ (built).
const CLI = fileURLToPath(new URL('../bin/services.mjs', import.meta.url));

/** A server (or a whole group, e.g. `'redis-cluster'`) the CLI manages. */
export type ServerName =
  | 'redis'
  | 'redis-cluster'
  | `redis-cluster-${17001 | 17002 | 17003 | 17004 | 17005 | 17006}`
  | 'redis-sentinel'
  | `redis-sentinel-${16380 | 16381 | 26380 | 26381 | 26382}`
  | 'memcached'
  | `memcached-${21211 | 21212 | 21213}`
  | 'cassandra'
  | 'cassandra-cluster'
  | `cassandra-cluster-${1 | 2}`
  | 'cassandra-commitlog'
  | `cassandra-commitlog-${'periodic' | 'group' | 'batch'}`
  | 'hazelcast'
  | `hazelcast-${15701 | 15702}`
  | 'dynalite';

/** One row of `services.mjs status --json`. */
export interface ServerStatus {
  name: string;
  endpoint: string;
  pid?: number;
  /** `foreign`: something we did not start listens on the port. */
  state: 'up' | 'unhealthy' | 'down' | 'foreign';
  rssMiB?: number;
}

/** What tests use to inject faults. */
export interface ServerControl {
  /** Starts the server unless it runs and waits until it (and its group) is healthy. */
  start(name: ServerName): Promise<void>;
  /** Stops, then starts and waits until healthy. */
  restart(name: ServerName): Promise<void>;
  /** Graceful stop (SIGTERM; SIGKILL after 15 s); resolves when the process is gone. */
  stop(name: ServerName): Promise<void>;
  /** SIGKILL, like a crash; resolves when the process is gone. */
  kill(name: ServerName): Promise<void>;
  /** Status of every server, or of the given ones. */
  status(...names: ServerName[]): Promise<ServerStatus[]>;
}

function backendOf(name: ServerName): Backend {
  if (name === 'redis') return 'redis';
  if (name.startsWith('redis-cluster')) return 'redisCluster';
  if (name.startsWith('redis-sentinel')) return 'redisSentinel';
  if (name.startsWith('memcached')) return 'memcached';
  if (name.startsWith('cassandra-cluster')) return 'cassandraCluster';
  if (name.startsWith('cassandra')) return 'cassandra';
  if (name.startsWith('hazelcast')) return 'hazelcast';
  return 'dynamodb';
}

/** Refuses to touch a backend whose endpoint env var points elsewhere: those servers are not ours. */
function assertOurs(name: ServerName): void {
  const backend = backendOf(name);
  if (resolveEndpoints()[backend].external) {
    throw new Error(
      `serverControl: "${name}" is not managed here because ${ENV_VARS[backend]} points at an external server; ` +
        'fault tests need the local servers (unset the variable or skip this test explicitly).',
    );
  }
}

async function cli(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`services.mjs ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

const act = (command: string) => async (name: ServerName) => {
  assertOurs(name);
  await cli(command, name);
};

/** Fault helpers over the services CLI; e.g. `await serverControl.kill('redis')`. */
export const serverControl: ServerControl = {
  start: act('start'),
  restart: act('restart'),
  stop: act('stop'),
  kill: act('kill'),
  status: async (...names) => JSON.parse(await cli('status', '--json', ...names)) as ServerStatus[],
};
