/**
 * `@sessionkit/test-servers`: endpoints of the real test servers and fault helpers for tests.
 * The servers themselves are started with `node services/bin/services.mjs up`.
 *
 * @packageDocumentation
 */
export {
  ENV_VARS,
  endpoints,
  resolveEndpoints,
  type Backend,
  type CassandraEndpoint,
  type DynamoDbEndpoint,
  type EndpointBase,
  type Endpoints,
  type HazelcastEndpoint,
  type HostPort,
  type MemcachedEndpoint,
  type RedisClusterEndpoint,
  type RedisEndpoint,
  type RedisSentinelEndpoint,
} from './endpoints.js';
export { closedPort } from './closed-port.js';
export { serverControl, type ServerControl, type ServerName, type ServerStatus } from './control.js';
