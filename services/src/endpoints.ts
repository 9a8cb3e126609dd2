/**
 * Where the test servers are. Defaults are the loopback servers that `node services/bin/services.mjs up`
 * starts; one environment variable per backend points a suite at servers run elsewhere instead.
 *
 * List variables are comma-separated `host:port` entries. Three of them accept an optional `@name` suffix
 * for the one name the client also needs: `SESSIONKIT_REDIS_SENTINELS=h1:26379,h2:26379@mymaster`,
 * `SESSIONKIT_CASSANDRA_CONTACT_POINTS=c1:9042,c2:9042@dc1`, `SESSIONKIT_HAZELCAST_MEMBERS=h1:5701@dev`.
 *
 * @packageDocumentation
 */

/** A `host:port` pair. */
export interface HostPort {
  host: string;
  port: number;
}

/** Backends whose endpoints can be overridden, one environment variable each. */
export type Backend =
  | 'redis'
  | 'redisCluster'
  | 'redisSentinel'
  | 'memcached'
  | 'cassandra'
  | 'cassandraCluster'
  | 'dynamodb'
  | 'hazelcast';

/** The environment variable that overrides each backend's endpoint. */
export const ENV_VARS: Readonly<Record<Backend, string>> = {
  redis: 'SESSIONKIT_REDIS_URL',
  redisCluster: 'SESSIONKIT_REDIS_CLUSTER_NODES',
  redisSentinel: 'SESSIONKIT_REDIS_SENTINELS',
  memcached: 'SESSIONKIT_MEMCACHED_SERVERS',
  cassandra: 'SESSIONKIT_CASSANDRA_CONTACT_POINTS',
  cassandraCluster: 'SESSIONKIT_CASSANDRA_CLUSTER_CONTACT_POINTS',
  dynamodb: 'SESSIONKIT_DYNAMODB_ENDPOINT',
  hazelcast: 'SESSIONKIT_HAZELCAST_MEMBERS',
};

/** Common to every backend entry. */
export interface EndpointBase {
  /** True when the environment variable points at servers we did not start (fault helpers refuse them). */
  external: boolean;
}

/** Redis standalone. Default `redis://127.0.0.1:16379`; override `SESSIONKIT_REDIS_URL`. */
export interface RedisEndpoint extends EndpointBase {
  /** A `redis://` URL, as `new Redis(url)` takes it. */
  url: string;
}

/** Redis Cluster, 3 masters + 3 replicas. Default 127.0.0.1:17001-17006; override `SESSIONKIT_REDIS_CLUSTER_NODES`. */
export interface RedisClusterEndpoint extends EndpointBase {
  /** Startup nodes for `new Cluster(nodes)`. */
  nodes: HostPort[];
}

/**
 * Redis Sentinel: master 127.0.0.1:16380 with replica :16381, sentinels 127.0.0.1:26380-26382, master name
 * `sessionkit`, 2 s down-after, quorum 2. Override `SESSIONKIT_REDIS_SENTINELS` (`host:port,...[@masterName]`).
 */
export interface RedisSentinelEndpoint extends EndpointBase {
  /** For ioredis' `sentinels` option. */
  sentinels: HostPort[];
  /** For ioredis' `name` option. */
  masterName: string;
}

/** Three memcached servers, default 127.0.0.1:21211-21213; override `SESSIONKIT_MEMCACHED_SERVERS`. */
export interface MemcachedEndpoint extends EndpointBase {
  /** `host:port` strings; memjs takes them joined with commas. */
  servers: string[];
}

/**
 * Cassandra. Single node 127.0.0.1:19042 (`SESSIONKIT_CASSANDRA_CONTACT_POINTS`); the optional 2-node cluster
 * is 127.0.0.2:19042 and 127.0.0.3:19042 (`SESSIONKIT_CASSANDRA_CLUSTER_CONTACT_POINTS`). Both `host:port,...[@dc]`.
 */
export interface CassandraEndpoint extends EndpointBase {
  /** `host:port` strings for cassandra-driver's `contactPoints`. */
  contactPoints: string[];
  /** For cassandra-driver's `localDataCenter` (`datacenter1` for our servers). */
  localDataCenter: string;
  /**
   * The native port of the first contact point, for cassandra-driver's `protocolOptions.port`: driver 4.10
   * reads discovered peers from `system.peers`, which carries no port, and would otherwise dial 9042.
   */
  port: number;
}

/** DynamoDB (dynalite locally). Default `http://127.0.0.1:14567`; override `SESSIONKIT_DYNAMODB_ENDPOINT`. */
export interface DynamoDbEndpoint extends EndpointBase {
  endpoint: string;
  /** `AWS_REGION` if set, else `us-east-1`. */
  region: string;
  /** Dummy keys for dynalite; undefined for an external endpoint (the SDK's default chain applies). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/**
 * Hazelcast, 2 members of cluster `sessionkit`, 127.0.0.1:15701 and :15702.
 * Override `SESSIONKIT_HAZELCAST_MEMBERS` (`host:port,...[@clusterName]`).
 */
export interface HazelcastEndpoint extends EndpointBase {
  /** `host:port` strings for the client's `network.clusterMembers`. */
  members: string[];
  /** For the client's `clusterName`. */
  clusterName: string;
}

/** Every backend's endpoint. */
export interface Endpoints {
  redis: RedisEndpoint;
  redisCluster: RedisClusterEndpoint;
  redisSentinel: RedisSentinelEndpoint;
  memcached: MemcachedEndpoint;
  cassandra: CassandraEndpoint;
  cassandraCluster: CassandraEndpoint;
  dynamodb: DynamoDbEndpoint;
  hazelcast: HazelcastEndpoint;
}

const LOCAL = '127.0.0.1';
const local = (ports: number[]): string[] => ports.map((p) => `${LOCAL}:${p}`);

function toHostPort(entry: string): HostPort {
  const i = entry.lastIndexOf(':');
  const port = Number(entry.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`invalid host:port "${entry}"`);
  }
  return { host: entry.slice(0, i), port };
}

/** Parses `host:port,host:port[@name]`, validating every entry. */
function parseList(value: string, variable: string): { entries: string[]; name: string | undefined } {
  const at = value.lastIndexOf('@');
  const list = at >= 0 ? value.slice(0, at) : value;
  const name = at >= 0 ? value.slice(at + 1).trim() || undefined : undefined;
  const entries = list
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${variable} is set but lists no host:port`);
  try {
    entries.forEach(toHostPort);
  } catch (err) {
    throw new Error(`${variable}: ${(err as Error).message}`);
  }
  return { entries, name };
}

/**
 * Computes the endpoints from an environment (default `process.env`). Set-but-empty variables count as unset.
 * @throws when an override is malformed, naming the variable.
 */
export function resolveEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const get = (b: Backend): string | undefined => env[ENV_VARS[b]]?.trim() || undefined;
  const list = (b: Backend, defaults: string[], defaultName: string) => {
    const value = get(b);
    if (value === undefined) return { entries: defaults, name: defaultName, external: false };
    const parsed = parseList(value, ENV_VARS[b]);
    return { entries: parsed.entries, name: parsed.name ?? defaultName, external: true };
  };

  const cluster = list('redisCluster', local([17001, 17002, 17003, 17004, 17005, 17006]), '');
  const sentinel = list('redisSentinel', local([26380, 26381, 26382]), 'sessionkit');
  const memcached = list('memcached', local([21211, 21212, 21213]), '');
  const cassandra = list('cassandra', local([19042]), 'datacenter1');
  const cassandraCluster = list('cassandraCluster', ['127.0.0.2:19042', '127.0.0.3:19042'], 'datacenter1');
  const hazelcast = list('hazelcast', local([15701, 15702]), 'sessionkit');
  const dynamodb = get('dynamodb');
  const redisUrl = get('redis');

  return {
    redis: { url: redisUrl ?? `redis://${LOCAL}:16379`, external: redisUrl !== undefined },
    redisCluster: { nodes: cluster.entries.map(toHostPort), external: cluster.external },
    redisSentinel: {
      sentinels: sentinel.entries.map(toHostPort),
      masterName: sentinel.name,
      external: sentinel.external,
    },
    memcached: { servers: memcached.entries, external: memcached.external },
    cassandra: {
      contactPoints: cassandra.entries,
      localDataCenter: cassandra.name,
      port: toHostPort(cassandra.entries[0]!).port,
      external: cassandra.external,
    },
    cassandraCluster: {
      contactPoints: cassandraCluster.entries,
      localDataCenter: cassandraCluster.name,
      port: toHostPort(cassandraCluster.entries[0]!).port,
      external: cassandraCluster.external,
    },
    dynamodb: {
      endpoint: dynamodb ?? `http://${LOCAL}:14567`,
      region: env.AWS_REGION || 'us-east-1',
      credentials: dynamodb === undefined ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
      external: dynamodb !== undefined,
    },
    hazelcast: { members: hazelcast.entries, clusterName: hazelcast.name, external: hazelcast.external },
  };
}

/** The endpoints for this process' environment, computed once at import. */
export const endpoints: Endpoints = resolveEndpoints();
