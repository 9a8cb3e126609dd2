/**
 * Every store URL form the docs show, on the real test servers (`node services/bin/services.mjs up`).
 */
import { endpoints } from '@sessionkit/test-servers';

const hostList = (entries: readonly (string | { host: string; port: number })[]) =>
  entries.map((e) => (typeof e === 'string' ? e : `${e.host}:${e.port}`)).join(',');

/** Standalone Redis. */
export const REDIS_URL = endpoints.redis.url.replace(/\/$/, '');
/** The single Cassandra node, keyspace `sessionkit_store_url`. */
export const CASSANDRA_URL = `cassandra://${hostList(endpoints.cassandra.contactPoints)}/sessionkit_store_url?dc=${endpoints.cassandra.localDataCenter}`;
/** dynalite's host:port. */
export const DYNAMODB_HOST = new URL(endpoints.dynamodb.endpoint).host;

/** `[name, url]` for every form. */
export const STORE_URLS: Array<[name: string, url: string]> = [
  ['memory', 'memory'],
  ['redis', REDIS_URL],
  ['redis+cluster', `redis+cluster://${hostList(endpoints.redisCluster.nodes)}`],
  ['redis-cluster (alias)', `redis-cluster://${hostList(endpoints.redisCluster.nodes)}`],
  [
    'redis+sentinel',
    `redis+sentinel://${hostList(endpoints.redisSentinel.sentinels)}/${endpoints.redisSentinel.masterName}`,
  ],
  ['memcached', `memcached://${hostList(endpoints.memcached.servers)}`],
  ['dynamodb', `dynamodb://${DYNAMODB_HOST}/sessionkit_store_url`],
  ['hazelcast', `hazelcast://${hostList(endpoints.hazelcast.members)}/${endpoints.hazelcast.clusterName}`],
  ['cassandra', CASSANDRA_URL],
  ['tiered', `tiered:${REDIS_URL}|${CASSANDRA_URL}`],
];
