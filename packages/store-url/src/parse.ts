/**
 * {@link parseStoreUrl}: a store URL to a {@link StoreSpec}. Pure: nothing is contacted, nothing is imported.
 *
 * @module
 */
import { StoreUrlError } from './errors.js';
import { formatHost, parseHostList } from './hosts.js';
import type { LeafStoreSpec, RedisAuth, StoreSpec } from './spec.js';

const DEFAULT_PORTS = {
  redis: 6379,
  'redis-cluster': 6379,
  'redis-sentinel': 26379,
  memcached: 11211,
  cassandra: 9042,
  hazelcast: 5701,
} as const;

/** The accepted forms, for error messages. */
export const ACCEPTED_FORMS =
  'memory | redis://host:port[/db] | redis+cluster://h:p,h:p | redis+sentinel://h:p,h:p/<masterName>[/db] | ' +
  'memcached://h:p,h:p | cassandra://h:p/keyspace | dynamodb://host:port/table | hazelcast://h:p,h:p | ' +
  'tiered:<cache-url>|<durable-url>';

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;

/**
 * Parses a store URL (see the package README for every form). Empty or `memory` is the embedded MemoryStore.
 * @throws {StoreUrlError} naming the problem for anything malformed or unknown (a password is never repeated).
 */
export function parseStoreUrl(value: string | undefined): StoreSpec {
  const text = (value ?? '').trim();
  if (text === '' || text === 'memory' || text === 'memory:' || text === 'memory://') return { kind: 'memory' };
  if (text.startsWith('tiered:')) return parseTiered(text.slice('tiered:'.length));
  const match = /^([a-z][a-z0-9+-]*):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(text);
  if (!match) throw new StoreUrlError(`cannot parse "${redact(text)}"; expected one of: ${ACCEPTED_FORMS}`);
  const scheme = match[1]!.toLowerCase();
  const authority = match[2]!;
  const path = decodeURIComponent((match[3] ?? '').replace(/^\//, '').replace(/\/$/, ''));
  const query = new URLSearchParams(match[4] ?? '');
  const spec = parseServerUrl(scheme, authority, path, query);
  const keyPrefix = query.get('prefix');
  return keyPrefix === null ? spec : { ...spec, keyPrefix };
}

/** The server-backed forms (everything but `memory` and `tiered:`), without the common `?prefix=`. */
function parseServerUrl(scheme: string, authority: string, path: string, query: URLSearchParams): LeafStoreSpec {
  switch (scheme) {
    case 'redis':
    case 'rediss': {
      const { credentials, hosts } = splitCredentials(authority);
      const [node, ...more] = parseHostList(hosts, DEFAULT_PORTS.redis, scheme);
      if (more.length > 0)
        throw new StoreUrlError(`${scheme}:// takes one server; use redis+cluster://h:p,h:p for a cluster`);
      return {
        kind: 'redis',
        host: node!.host,
        port: node!.port,
        db: parseDb(path),
        tls: scheme === 'rediss',
        ...parseCredentials(credentials),
      };
    }
    // `redis-cluster://` is the demo's original spelling, kept as an alias.
    case 'redis+cluster':
    case 'redis-cluster':
      noPath(scheme, path);
      return { kind: 'redis-cluster', nodes: parseHostList(authority, DEFAULT_PORTS['redis-cluster'], scheme) };
    case 'redis+sentinel':
    case 'rediss+sentinel': {
      const { credentials, hosts } = splitCredentials(authority);
      const [masterName = '', db = '', ...extra] = path.split('/');
      if (!/^[A-Za-z0-9_.-]+$/.test(masterName) || extra.length > 0) {
        throw new StoreUrlError(
          `${scheme}:// needs the master name as its path, then an optional database, e.g. ` +
            `${scheme}://127.0.0.1:26379,127.0.0.1:26380/mymaster/0`,
        );
      }
      return {
        kind: 'redis-sentinel',
        sentinels: parseHostList(hosts, DEFAULT_PORTS['redis-sentinel'], scheme),
        masterName,
        db: parseDb(db),
        tls: scheme === 'rediss+sentinel',
        ...parseCredentials(credentials),
      };
    }
    case 'memcached':
      noPath(scheme, path);
      return { kind: 'memcached', servers: parseHostList(authority, DEFAULT_PORTS[scheme], scheme) };
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
        contactPoints: parseHostList(authority, DEFAULT_PORTS[scheme], scheme),
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
        const [node, ...more] = parseHostList(authority, undefined, scheme);
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
        members: parseHostList(authority, DEFAULT_PORTS[scheme], scheme),
        clusterName: path || undefined,
      };
    }
    default:
      throw new StoreUrlError(`unknown scheme "${scheme}://"; expected one of: ${ACCEPTED_FORMS}`);
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

function splitCredentials(authority: string): { credentials: string | undefined; hosts: string } {
  const at = authority.lastIndexOf('@');
  return { credentials: at >= 0 ? authority.slice(0, at) : undefined, hosts: authority.slice(at + 1) };
}

function parseCredentials(credentials: string | undefined): RedisAuth {
  if (credentials === undefined) return {};
  const colon = credentials.indexOf(':');
  const username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : '');
  const password = decodeURIComponent(colon >= 0 ? credentials.slice(colon + 1) : credentials);
  return { ...(username === '' ? {} : { username }), ...(password === '' ? {} : { password }) };
}

function parseDb(text: string): number {
  if (text !== '' && !/^\d{1,2}$/.test(text)) throw new StoreUrlError(`redis database must be a number, got "${text}"`);
  return Number(text || 0);
}

function noPath(scheme: string, path: string): void {
  if (path !== '') throw new StoreUrlError(`${scheme}:// takes no path, got "/${path}"`);
}

/** Hides a password in a URL before it is shown in an error message. */
function redact(text: string): string {
  return text.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
}
