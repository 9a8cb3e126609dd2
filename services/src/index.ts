/**
 * `@sessionkit/test-servers`: endpoints of the real test servers and fault helpers for tests.
 * The servers themselves are started with `node services/bin/services.mjs up`.
 *
 * @packageDocumentation
 */

export { closedPort } from './closed-port.js';
export { type ServerControl, type ServerName, type ServerStatus, serverControl } from './control.js';
export {
  type Backend,
  type CassandraEndpoint,
  type DynamoDbEndpoint,
  ENV_VARS,
  type EndpointBase,
  type Endpoints,
  endpoints,
  type HazelcastEndpoint,
  type HostPort,
  type MemcachedEndpoint,
  type RedisClusterEndpoint,
  type RedisEndpoint,
  type RedisSentinelEndpoint,
  resolveEndpoints,
} from './endpoints.js';
