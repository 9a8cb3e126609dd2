/**
 * How the doctor talks to one Redis server (a standalone server, a Cluster node, a Sentinel-managed master or
 * replica, or a Sentinel itself): a plain ioredis connection that fails fast instead of retrying, and the
 * `INFO` / `CONFIG GET` readers the checks use.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import { Redis, type RedisOptions } from 'ioredis';
import { errorMessage } from './check.js';

/** Address and credentials of one Redis server. */
export interface RedisServer {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls?: boolean;
}

/** `host:port` of a server (IPv6 in brackets), for findings and targets. */
export function serverLabel(server: { host: string; port: number }): string {
  return `${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
}

/**
 * Connects to one server and resolves once it is ready. No reconnection, no offline queue and every command
 * bounded by `timeoutMs`: the doctor reports an unreachable server instead of waiting for it.
 *
 * @throws {StoreUnavailableError} (tagged `redis`) when the server cannot be reached or refuses the credentials.
 */
export async function connectRedis(server: RedisServer, timeoutMs: number): Promise<Redis> {
  const options: RedisOptions = {
    host: server.host,
    port: server.port,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
    ...(server.username === undefined ? {} : { username: server.username }),
    ...(server.password === undefined ? {} : { password: server.password }),
    ...(server.tls ? { tls: {} } : {}),
  };
  const client = new Redis(options);
  // ioredis emits connection errors as 'error' events, and sometimes rejects connect() with only "Connection is
  // closed" (e.g. a NOAUTH answer to its HELLO): the event's error is the cause reported below.
  let cause: unknown;
  client.on('error', (error: unknown) => {
    cause = error;
  });
  try {
    await client.connect();
    // With lazyConnect a refused AUTH does not fail connect(); a PING surfaces it (NOAUTH, WRONGPASS) here,
    // as a connection problem, instead of in the middle of the checks.
    await client.ping();
  } catch (error) {
    client.disconnect();
    const reason = cause ?? error;
    throw new StoreUnavailableError(`cannot connect to Redis at ${serverLabel(server)}: ${errorMessage(reason)}`, {
      store: 'redis',
      operation: 'doctor',
      cause: reason,
    });
  }
  return client;
}

/** `INFO <section>` as a map of its `field:value` lines. */
export async function readInfo(client: Redis, section: string): Promise<Map<string, string>> {
  return parseInfo(await client.info(section));
}

/** Parses the text of `INFO`: `field:value` lines; section headers (`# ...`) and blank lines are skipped. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Parses an INFO value made of `k=v` pairs separated by commas (`slave0:ip=...,port=...,state=online`). */
export function parseInfoPairs(value: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) pairs.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return pairs;
}

/**
 * `CONFIG GET name`, or a `{ refused }` reason: managed services (and hardened servers) rename or disable
 * `CONFIG`, in which case a check falls back to what `INFO` says or reports that it cannot verify.
 */
export async function readConfig(client: Redis, name: string): Promise<{ value: string } | { refused: string }> {
  try {
    const reply = (await client.call('CONFIG', 'GET', name)) as string[];
    const value = reply[1];
    return value === undefined ? { refused: `CONFIG GET ${name} returned nothing` } : { value };
  } catch (error) {
    return { refused: errorMessage(error) };
  }
}
