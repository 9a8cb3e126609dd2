/**
 * The parsed form of a store URL ({@link StoreSpec}): plain data, no I/O.
 *
 * @module
 */

/** A `host:port` pair. */
export interface HostPort {
  host: string;
  port: number;
}

/** The credentials of the Redis forms (percent-decoded from the URL; never printed). */
export interface RedisAuth {
  username?: string;
  password?: string;
}

/** The `?prefix=` every server-backed form accepts: the adapter's `keyPrefix` (its own default when absent). */
export interface KeyPrefixed {
  keyPrefix?: string;
}

/** A parsed store URL. */
export type StoreSpec =
  | { kind: 'memory' }
  | ({
      kind: 'redis';
      host: string;
      port: number;
      db: number;
      tls: boolean;
    } & RedisAuth &
      KeyPrefixed)
  | ({ kind: 'redis-cluster'; nodes: HostPort[] } & KeyPrefixed)
  | ({
      kind: 'redis-sentinel';
      /** The sentinels to ask for the current master. */
      sentinels: HostPort[];
      /** The master group name the sentinels monitor (`sentinel monitor <name> ...`). */
      masterName: string;
      db: number;
      /** Use TLS to the sentinels and the data nodes (`rediss+sentinel://`). */
      tls: boolean;
    } & RedisAuth &
      KeyPrefixed)
  | ({ kind: 'memcached'; servers: HostPort[] } & KeyPrefixed)
  | ({
      kind: 'cassandra';
      contactPoints: HostPort[];
      keyspace: string;
      localDataCenter: string;
      /** Create the keyspace and tables if missing (demo convenience). Default `true`; `?schema=none` turns it off. */
      createSchema: boolean;
    } & KeyPrefixed)
  | ({
      kind: 'dynamodb';
      /** `undefined` = the AWS endpoint of the region. */
      endpoint: string | undefined;
      table: string;
      region: string | undefined;
      /** Create the table if missing (demo convenience). Default `true` for a custom endpoint; `?create=false` turns it off. */
      createTable: boolean;
    } & KeyPrefixed)
  | ({ kind: 'hazelcast'; members: HostPort[]; clusterName: string | undefined } & KeyPrefixed)
  | { kind: 'tiered'; cache: LeafStoreSpec; durable: LeafStoreSpec };

/** Any spec except `tiered` and `memory` (tiers do not nest; a tier must be a shared server). */
export type LeafStoreSpec = Exclude<StoreSpec, { kind: 'tiered' | 'memory' }>;

/** The `kind` of a {@link StoreSpec}. */
export type StoreKind = StoreSpec['kind'];
