/**
 * {@link createStore}: the SessionKit store a {@link StoreSpec} describes, constructed but not connected and with
 * nothing created on the backend. {@link openStore} builds on it; tools that need the adapter's own client (to
 * apply a schema, say) use it directly.
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import { MemoryStore } from '@sessionkit/core';
import { importAdapter } from './adapters.js';
import { formatHost, isLoopback } from './hosts.js';
import { parseStoreUrl } from './parse.js';
import type { StoreSpec } from './spec.js';

/**
 * Constructs the store for `spec` (or a store URL), importing only the adapter it names. Nothing is contacted
 * yet: adapters connect on their first call or on `connect()`. Close it when done.
 *
 * @throws {StoreUrlError} for a malformed URL; {@link AdapterNotInstalledError} when the adapter is missing.
 */
export async function createStore(spec: StoreSpec | string): Promise<SessionStore> {
  const s = typeof spec === 'string' ? parseStoreUrl(spec) : spec;
  const prefix =
    s.kind === 'memory' || s.kind === 'tiered' || s.keyPrefix === undefined ? {} : { keyPrefix: s.keyPrefix };
  switch (s.kind) {
    case 'memory':
      return new MemoryStore();
    case 'redis': {
      const { RedisSessionStore } = await importAdapter('redis', () => import('@sessionkit/redis'));
      return new RedisSessionStore({
        ...prefix,
        connection: {
          host: s.host,
          port: s.port,
          db: s.db,
          ...(s.username === undefined ? {} : { username: s.username }),
          ...(s.password === undefined ? {} : { password: s.password }),
          ...(s.tls ? { tls: {} } : {}),
        },
      });
    }
    case 'redis-cluster': {
      const { RedisSessionStore } = await importAdapter('redis', () => import('@sessionkit/redis'));
      return new RedisSessionStore({ ...prefix, cluster: { nodes: s.nodes } });
    }
    case 'redis-sentinel': {
      const { RedisSessionStore } = await importAdapter('redis', () => import('@sessionkit/redis'));
      // The credentials are the data nodes' (ioredis `username`/`password`); the sentinels are asked without.
      return new RedisSessionStore({
        ...prefix,
        connection: {
          sentinels: s.sentinels,
          name: s.masterName,
          db: s.db,
          ...(s.username === undefined ? {} : { username: s.username }),
          ...(s.password === undefined ? {} : { password: s.password }),
          ...(s.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
        },
      });
    }
    case 'memcached': {
      const { MemcachedSessionStore } = await importAdapter('memcached', () => import('@sessionkit/memcached'));
      return new MemcachedSessionStore({ ...prefix, servers: s.servers.map(formatHost) });
    }
    case 'cassandra': {
      const { CassandraSessionStore } = await importAdapter('cassandra', () => import('@sessionkit/cassandra'));
      return new CassandraSessionStore({
        ...prefix,
        contactPoints: s.contactPoints.map(formatHost),
        localDataCenter: s.localDataCenter,
        keyspace: s.keyspace,
        // Peers discovered from system.peers carry no port; the driver would dial 9042 otherwise.
        clientOptions: { protocolOptions: { port: s.contactPoints[0]!.port } },
      });
    }
    case 'dynamodb': {
      const { DynamoDBSessionStore } = await importAdapter('dynamodb', () => import('@sessionkit/dynamodb'));
      const local = s.endpoint !== undefined && isLoopback(new URL(s.endpoint).hostname);
      const hasEnvKeys = process.env.AWS_ACCESS_KEY_ID !== undefined;
      return new DynamoDBSessionStore({
        ...prefix,
        tableName: s.table,
        ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
        ...(s.region === undefined ? {} : { region: s.region }),
        // A local server (dynalite, DynamoDB Local) accepts any keys; elsewhere the SDK's default chain applies.
        ...(local && !hasEnvKeys ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      });
    }
    case 'hazelcast': {
      const { HazelcastSessionStore } = await importAdapter('hazelcast', () => import('@sessionkit/hazelcast'));
      return new HazelcastSessionStore({
        ...prefix,
        members: s.members.map(formatHost),
        ...(s.clusterName === undefined ? {} : { clusterName: s.clusterName }),
      });
    }
    case 'tiered': {
      const { TieredStore } = await importAdapter('tiered', () => import('@sessionkit/tiered'));
      const durable = await createStore(s.durable);
      const cache = await createStore(s.cache).catch(async (error: unknown) => {
        await durable.close().catch(() => undefined);
        throw error;
      });
      return new TieredStore({ cache, durable });
    }
  }
}
