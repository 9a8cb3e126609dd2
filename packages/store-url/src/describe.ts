/**
 * Descriptions of a {@link StoreSpec} for people and telemetry: {@link describeStore} (a URL without
 * credentials) and {@link storeServer} (`server.address`/`server.port`).
 *
 * @module
 */
import { formatHost, formatHostList } from './hosts.js';
import type { StoreSpec } from './spec.js';

/** A one-line description of a spec for logs, page footers and CLI output (never contains a password). */
export function describeStore(spec: StoreSpec): string {
  const base = describeServer(spec);
  const prefix = spec.kind === 'memory' || spec.kind === 'tiered' ? undefined : spec.keyPrefix;
  return prefix === undefined ? base : `${base}${base.includes('?') ? '&' : '?'}prefix=${encodeURIComponent(prefix)}`;
}

function describeServer(spec: StoreSpec): string {
  switch (spec.kind) {
    case 'memory':
      return 'memory (embedded MemoryStore, this process only)';
    case 'redis':
      return `${spec.tls ? 'rediss' : 'redis'}://${formatHost(spec)}${spec.db ? `/${spec.db}` : ''}`;
    case 'redis-cluster':
      return `redis+cluster://${formatHostList(spec.nodes)}`;
    case 'redis-sentinel':
      return `${spec.tls ? 'rediss' : 'redis'}+sentinel://${formatHostList(spec.sentinels)}/${spec.masterName}${spec.db ? `/${spec.db}` : ''}`;
    case 'memcached':
      return `memcached://${formatHostList(spec.servers)}`;
    case 'cassandra':
      return `cassandra://${formatHostList(spec.contactPoints)}/${spec.keyspace}`;
    case 'dynamodb':
      return `dynamodb://${spec.endpoint?.replace(/^https?:\/\//, '') ?? ''}/${spec.table}`;
    case 'hazelcast':
      return `hazelcast://${formatHostList(spec.members)}${spec.clusterName ? `/${spec.clusterName}` : ''}`;
    case 'tiered':
      return `tiered:${describeStore(spec.cache)}|${describeStore(spec.durable)}`;
  }
}

/**
 * The server a spec's store talks to, for telemetry's `server.address`/`server.port`: the host, or the first of a
 * list (the one the client contacts first; for Sentinel, the first sentinel). Nothing for the embedded memory
 * store or a tiered pair (its two tiers are two servers); the AWS endpoint of a region is named by the SDK.
 */
export function storeServer(spec: StoreSpec): { address?: string; port?: number } {
  const first = (nodes: { host: string; port: number }[]) =>
    nodes[0] ? { address: nodes[0].host, port: nodes[0].port } : {};
  switch (spec.kind) {
    case 'memory':
    case 'tiered':
      return {};
    case 'redis':
      return { address: spec.host, port: spec.port };
    case 'redis-cluster':
      return first(spec.nodes);
    case 'redis-sentinel':
      return first(spec.sentinels);
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
