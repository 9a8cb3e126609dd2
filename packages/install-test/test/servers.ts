/**
 * Where the scratch app finds the real test servers, and the names it may use there: a Redis database no other
 * suite uses, its own Cassandra keyspace, DynamoDB table and Hazelcast map, and a key prefix per run.
 */
import { endpoints } from '@sessionkit/test-servers';

/** A Redis database of its own (the shop example uses 7, the scale bench 11, everything else 0). */
const REDIS_DB = 12;
/** Names of this test's own keyspace, table and map. */
const OWN_NAME = 'sessionkit_install_test';

/** The settings.json of a scratch app. */
export function appSettings(runId: string) {
  const redis = new URL(endpoints.redis.url);
  return {
    keyPrefix: `install-test:${runId}:`,
    redis: {
      host: redis.hostname,
      port: Number(redis.port || 6379),
      db: REDIS_DB,
      ...(redis.username ? { username: decodeURIComponent(redis.username) } : {}),
      ...(redis.password ? { password: decodeURIComponent(redis.password) } : {}),
    },
    memcached: { servers: endpoints.memcached.servers },
    cassandra: {
      contactPoints: endpoints.cassandra.contactPoints,
      localDataCenter: endpoints.cassandra.localDataCenter,
      port: endpoints.cassandra.port,
      keyspace: OWN_NAME,
    },
    dynamodb: {
      endpoint: endpoints.dynamodb.endpoint,
      region: endpoints.dynamodb.region,
      credentials: endpoints.dynamodb.credentials ?? null,
      tableName: OWN_NAME,
    },
    hazelcast: {
      members: endpoints.hazelcast.members,
      clusterName: endpoints.hazelcast.clusterName,
      mapName: OWN_NAME,
    },
  };
}
