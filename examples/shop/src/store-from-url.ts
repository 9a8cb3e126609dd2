/**
 * One setting picks the session backend: `SESSIONKIT_STORE`. This module parses that string into a
 * {@link StoreSpec} (pure, no I/O) and opens the matching SessionKit store ({@link openStore}). Each adapter is
 * imported only when chosen, so the shop starts on the embedded MemoryStore without loading any client library.
 *
 * Accepted forms (ports default to each server's standard port):
 *
 * | value | store |
 * | --- | --- |
 * | `memory` (or empty) | the embedded `MemoryStore` (one process only) |
 * | `redis://[user:password@]host:port[/db]`, `rediss://...` (TLS) | Redis standalone |
 * | `redis-cluster://h:p,h:p,...` | Redis Cluster (startup nodes) |
 * | `memcached://h:p,h:p,...` | memcached, consistent hashing over the servers |
 * | `cassandra://h:p,h:p/keyspace[?dc=datacenter1]` | Cassandra |
 * | `dynamodb://host:port/table[?region=...]`, `dynamodb:///table` (AWS) | DynamoDB |
 * | `hazelcast://h:p,h:p[/clusterName]` | Hazelcast IMap |
 * | `tiered:<cache-url>\|<durable-url>` | write-through cache in front of a durable store |
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import { MemoryStore } from '@sessionkit/core';

/** A `host:port` pair. */
export interface HostPort {
  host: string;
  port: number;
}

/** A parsed `SESSIONKIT_STORE` value. */
export type StoreSpec =
  | { kind: 'memory' }
  | {
      kind: 'redis';
      host: string;
      port: number;
      db: number;
      username?: string;
      password?: string;
      tls: boolean;
    }
  | { kind: 'redis-cluster'; nodes: HostPort[] }
  | { kind: 'memcached'; servers: HostPort[] }
  | {
      kind: 'cassandra';
      contactPoints: HostPort[];
      keyspace: string;
      localDataCenter: string;
      /** Create the keyspace and tables if missing (demo convenience). Default `true`; `?schema=none` turns it off. */
      createSchema: boolean;
    }
  | {
      kind: 'dynamodb';
      /** `undefined` = the AWS endpoint of the region. */
      endpoint: string | undefined;
      table: string;
      region: string | undefined;
      /** Create the table if missing (demo convenience). Default `true` for a custom endpoint; `?create=false` turns it off. */
      createTable: boolean;
    }
  | { kind: 'hazelcast'; members: HostPort[]; clusterName: string | undefined }
  | { kind: 'tiered'; cache: LeafStoreSpec; durable: LeafStoreSpec };

/** Any spec except `tiered` (tiers do not nest). */
export type LeafStoreSpec = Exclude<StoreSpec, { kind: 'tiered' | 'memory' }>;

/** Thrown for a `SESSIONKIT_STORE` value that cannot be used; the message says what is wrong and what is accepted. */
export class StoreUrlError extends Error {
  constructor(message: string) {
    super(`SESSIONKIT_STORE: ${message}`);
    this.name = 'StoreUrlError';
  }
}

const DEFAULT_PORTS = {
  redis: 6379,
  rediss: 6379,
  'redis-cluster': 6379,
  memcached: 11211,
  cassandra: 9042,
  hazelcast: 5701,
} as const;

const ACCEPTED =
  'memory | redis://host:port | redis-cluster://h:p,h:p | memcached://h:p,h:p | cassandra://h:p/keyspace | ' +
  'dynamodb://host:port/table | hazelcast://h:p,h:p | tiered:<cache-url>|<durable-url>';

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;

/**
 * Parses a `SESSIONKIT_STORE` value. Pure: nothing is contacted.
 * @throws {StoreUrlError} naming the problem for anything malformed or unknown.
 */
export function parseStoreUrl(value: string | undefined): StoreSpec {
  const text = (value ?? '').trim();
  if (text === '' || text === 'memory' || text === 'memory:' || text === 'memory://') return { kind: 'memory' };
  if (text.startsWith('tiered:')) return parseTiered(text.slice('tiered:'.length));
  const match = /^([a-z][a-z0-9+-]*):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(text);
  if (!match) throw new StoreUrlError(`cannot parse "${redact(text)}"; expected one of: ${ACCEPTED}`);
  const scheme = match[1]!.toLowerCase();
  const authority = match[2]!;
  const path = decodeURIComponent((match[3] ?? '').replace(/^\//, '').replace(/\/$/, ''));
  const query = new URLSearchParams(match[4] ?? '');

  switch (scheme) {
    case 'redis':
    case 'rediss': {
      const at = authority.lastIndexOf('@');
      const credentials = at >= 0 ? authority.slice(0, at) : undefined;
      const [node, ...more] = hostList(authority.slice(at + 1), DEFAULT_PORTS[scheme], scheme);
      if (more.length > 0)
        throw new StoreUrlError('redis:// takes one server; use redis-cluster://h:p,h:p for a cluster');
      if (path !== '' && !/^\d{1,2}$/.test(path))
        throw new StoreUrlError(`redis database must be a number, got "${path}"`);
      const spec: StoreSpec = {
        kind: 'redis',
        host: node!.host,
        port: node!.port,
        db: Number(path || 0),
        tls: scheme === 'rediss',
      };
      if (credentials !== undefined) {
        const colon = credentials.indexOf(':');
        const user = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : '');
        const password = decodeURIComponent(colon >= 0 ? credentials.slice(colon + 1) : credentials);
        if (user !== '') spec.username = user;
        if (password !== '') spec.password = password;
      }
      return spec;
    }
    case 'redis-cluster':
      noPath(scheme, path);
      return { kind: 'redis-cluster', nodes: hostList(authority, DEFAULT_PORTS[scheme], scheme) };
    case 'memcached':
      noPath(scheme, path);
      return { kind: 'memcached', servers: hostList(authority, DEFAULT_PORTS[scheme], scheme) };
    case 'cassandra': {
      if (!IDENTIFIER.test(path)) {
        throw new StoreUrlError(
          `cassandra:// needs a keyspace as its path (letters, digits, _), e.g. cassandra://127.0.0.1:9042/sessionkit`,
        );
      }
      const schema = query.get('schema') ?? 'create';
      if (schema !== 'create' && schema !== 'none')
        throw new StoreUrlError('cassandra ?schema= takes "create" or "none"');
      return {
        kind: 'cassandra',
        contactPoints: hostList(authority, DEFAULT_PORTS[scheme], scheme),
        keyspace: path,
        localDataCenter: query.get('dc') || 'datacenter1',
        createSchema: schema === 'create',
      };
    }
    case 'dynamodb': {
      if (!/^[A-Za-z0-9_.-]{3,255}$/.test(path)) {
        throw new StoreUrlError('dynamodb:// needs a table name as its path, e.g. dynamodb://127.0.0.1:8000/sessions');
      }
      let endpoint: string | undefined;
      if (authority !== '') {
        const [node, ...more] = hostList(authority, undefined, scheme);
        if (more.length > 0) throw new StoreUrlError('dynamodb:// takes one endpoint');
        const tls = query.get('tls') === 'true';
        endpoint = `${tls ? 'https' : 'http'}://${formatHost(node!)}`;
      }
      const create = query.get('create');
      if (create !== null && create !== 'true' && create !== 'false')
        throw new StoreUrlError('dynamodb ?create= takes true or false');
      return {
        kind: 'dynamodb',
        endpoint,
        table: path,
        region: query.get('region') || undefined,
        createTable: create === null ? endpoint !== undefined : create === 'true',
      };
    }
    case 'hazelcast': {
      if (path !== '' && !/^[A-Za-z0-9_.-]+$/.test(path))
        throw new StoreUrlError(`invalid hazelcast cluster name "${path}"`);
      return {
        kind: 'hazelcast',
        members: hostList(authority, DEFAULT_PORTS[scheme], scheme),
        clusterName: path || undefined,
      };
    }
    default:
      throw new StoreUrlError(`unknown scheme "${scheme}://"; expected one of: ${ACCEPTED}`);
  }
}

function parseTiered(rest: string): StoreSpec {
  const bar = rest.indexOf('|');
  if (bar < 0)
    throw new StoreUrlError(
      'tiered: takes "<cache-url>|<durable-url>", e.g. tiered:redis://127.0.0.1:6379|cassandra://127.0.0.1:9042/sessionkit',
    );
  const tier = (text: string, role: string): LeafStoreSpec => {
    const spec = parseStoreUrl(text);
    if (text.trim() === '' || spec.kind === 'memory') {
      throw new StoreUrlError(`the ${role} tier must be a shared server store (memory is per process)`);
    }
    if (spec.kind === 'tiered') throw new StoreUrlError('tiers do not nest');
    return spec;
  };
  return { kind: 'tiered', cache: tier(rest.slice(0, bar), 'cache'), durable: tier(rest.slice(bar + 1), 'durable') };
}

function noPath(scheme: string, path: string): void {
  if (path !== '') throw new StoreUrlError(`${scheme}:// takes no path, got "/${path}"`);
}

/** Parses `h:p,h:p` (IPv6 as `[::1]:p`); `defaultPort` undefined means the port is required. */
function hostList(text: string, defaultPort: number | undefined, scheme: string): HostPort[] {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.length === 0 || entries.some((e) => e === '')) throw new StoreUrlError(`${scheme}:// needs host:port`);
  return entries.map((entry) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(entry);
    if (!m) throw new StoreUrlError(`invalid host:port "${entry}" in ${scheme}://`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (port === undefined) throw new StoreUrlError(`${scheme}:// needs an explicit port in "${entry}"`);
    if (!(port > 0 && port < 65536)) throw new StoreUrlError(`invalid port in "${entry}"`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

function formatHost({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Hides a password in a URL before it is shown in an error message. */
function redact(text: string): string {
  return text.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
}

/** A one-line description of a spec for logs and the page footer (never contains a password). */
export function describeStore(spec: StoreSpec): string {
  const list = (nodes: HostPort[]) => nodes.map(formatHost).join(',');
  switch (spec.kind) {
    case 'memory':
      return 'memory (embedded MemoryStore, this process only)';
    case 'redis':
      return `${spec.tls ? 'rediss' : 'redis'}://${formatHost(spec)}${spec.db ? `/${spec.db}` : ''}`;
    case 'redis-cluster':
      return `redis-cluster://${list(spec.nodes)}`;
    case 'memcached':
      return `memcached://${list(spec.servers)}`;
    case 'cassandra':
      return `cassandra://${list(spec.contactPoints)}/${spec.keyspace}`;
    case 'dynamodb':
      return `dynamodb://${spec.endpoint?.replace(/^https?:\/\//, '') ?? ''}/${spec.table}`;
    case 'hazelcast':
      return `hazelcast://${list(spec.members)}${spec.clusterName ? `/${spec.clusterName}` : ''}`;
    case 'tiered':
      return `tiered:${describeStore(spec.cache)}|${describeStore(spec.durable)}`;
  }
}

/**
 * The server a spec's store talks to, for telemetry's `server.address`/`server.port`: the host, or the first of a
 * list (the one the client contacts first). Nothing for the embedded memory store or a tiered pair (its two tiers
 * are two servers); the AWS endpoint of a region is named by the SDK, not here.
 */
export function storeServer(spec: StoreSpec): { address?: string; port?: number } {
  const first = (nodes: HostPort[]) => (nodes[0] ? { address: nodes[0].host, port: nodes[0].port } : {});
  switch (spec.kind) {
    case 'memory':
    case 'tiered':
      return {};
    case 'redis':
      return { address: spec.host, port: spec.port };
    case 'redis-cluster':
      return first(spec.nodes);
    case 'memcached':
      return first(spec.servers);
    case 'cassandra':
      return first(spec.contactPoints);
    case 'dynamodb': {
      if (spec.endpoint === undefined) return {};
      const url = new URL(spec.endpoint);
      return {
        address: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      };
    }
    case 'hazelcast':
      return first(spec.members);
  }
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** Resolves `store` once `connect()` did; if it fails, closes the store (its client stops retrying) and rethrows. */
async function connected<S extends SessionStore & { connect(): Promise<void> }>(store: S): Promise<S> {
  try {
    await store.connect();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/**
 * Opens the store a spec (or a `SESSIONKIT_STORE` string) describes, connecting eagerly where the adapter
 * allows, so a wrong address fails at startup rather than on the first request. For Cassandra and a local
 * DynamoDB the schema is created if missing, unless the URL opts out.
 */
export async function openStore(spec: StoreSpec | string): Promise<SessionStore> {
  const s = typeof spec === 'string' ? parseStoreUrl(spec) : spec;
  switch (s.kind) {
    case 'memory':
      return new MemoryStore();
    case 'redis': {
      const { RedisSessionStore } = await import('@sessionkit/redis');
      const store = new RedisSessionStore({
        connection: {
          host: s.host,
          port: s.port,
          db: s.db,
          ...(s.username === undefined ? {} : { username: s.username }),
          ...(s.password === undefined ? {} : { password: s.password }),
          ...(s.tls ? { tls: {} } : {}),
        },
      });
      return connected(store);
    }
    case 'redis-cluster': {
      const { RedisSessionStore } = await import('@sessionkit/redis');
      return connected(new RedisSessionStore({ cluster: { nodes: s.nodes } }));
    }
    case 'memcached': {
      const { MemcachedSessionStore } = await import('@sessionkit/memcached');
      return connected(new MemcachedSessionStore({ servers: s.servers.map(formatHost) }));
    }
    case 'cassandra': {
      const { CassandraSessionStore, createSchema } = await import('@sessionkit/cassandra');
      const store = new CassandraSessionStore({
        contactPoints: s.contactPoints.map(formatHost),
        localDataCenter: s.localDataCenter,
        keyspace: s.keyspace,
        // Peers discovered from system.peers carry no port; the driver would dial 9042 otherwise.
        clientOptions: { protocolOptions: { port: s.contactPoints[0]!.port } },
      });
      try {
        await store.connect();
        if (s.createSchema) {
          await createSchema(store.client, {
            keyspace: s.keyspace,
            replication: { class: 'NetworkTopologyStrategy', [s.localDataCenter]: 1 },
          });
        }
      } catch (error) {
        await store.close().catch(() => undefined);
        throw error;
      }
      return store;
    }
    case 'dynamodb': {
      const { DynamoDBSessionStore, createSessionTable } = await import('@sessionkit/dynamodb');
      const local = s.endpoint !== undefined && isLoopback(new URL(s.endpoint).hostname);
      const hasEnvKeys = process.env.AWS_ACCESS_KEY_ID !== undefined;
      const store = new DynamoDBSessionStore({
        tableName: s.table,
        ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
        ...(s.region === undefined ? {} : { region: s.region }),
        // A local server (dynalite, DynamoDB Local) accepts any keys; elsewhere the SDK's default chain applies.
        ...(local && !hasEnvKeys ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      });
      try {
        if (s.createTable) await createSessionTable(store.client, { tableName: s.table });
        await store.connect();
      } catch (error) {
        await store.close().catch(() => undefined);
        throw error;
      }
      return store;
    }
    case 'hazelcast': {
      const { HazelcastSessionStore } = await import('@sessionkit/hazelcast');
      const store = new HazelcastSessionStore({
        members: s.members.map(formatHost),
        ...(s.clusterName === undefined ? {} : { clusterName: s.clusterName }),
      });
      return connected(store);
    }
    case 'tiered': {
      const { TieredStore } = await import('@sessionkit/tiered');
      const durable = await openStore(s.durable);
      let cache: SessionStore;
      try {
        cache = await openStore(s.cache);
      } catch (error) {
        await durable.close().catch(() => undefined);
        throw error;
      }
      return new TieredStore({ cache, durable });
    }
  }
}
