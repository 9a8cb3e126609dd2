/**
 * What the sentinels of the test group say, for the tests that need the current roles: which data node is
 * the master right now (an earlier failover may have moved it from 16380 to 16381), which one is the replica,
 * and whether all sentinels agree. Every question is asked of every sentinel on a short-lived connection.
 */
import type { ServerName } from '@sessionkit/test-servers';
import { endpoints } from '@sessionkit/test-servers';
import { Redis } from 'ioredis';
import { sleep } from './helpers.js';

/** The data nodes of the Sentinel group, as `services/lib/redis.mjs` starts them. */
const DATA_PORTS = [16380, 16381] as const;

/** One of the two data nodes of the Sentinel group. */
export type SentinelDataPort = (typeof DATA_PORTS)[number];

/** The `serverControl` name of a data node of the Sentinel group. */
export function sentinelServerName(port: SentinelDataPort): ServerName {
  return `redis-sentinel-${port}`;
}

/** Narrows a port a sentinel reported to one of the group's data nodes; throws for anything else. */
export function dataPort(port: number): SentinelDataPort {
  const found = DATA_PORTS.find((p) => p === port);
  if (found === undefined) throw new Error(`port ${port} is not a data node of the Sentinel group (16380, 16381)`);
  return found;
}

/** The other data node of the group. */
export function otherDataPort(port: SentinelDataPort): SentinelDataPort {
  return port === 16380 ? 16381 : 16380;
}

/** Runs `ask` on a fresh connection to each sentinel; a sentinel that does not answer gives `undefined`. */
async function askEachSentinel<T>(ask: (sentinel: Redis) => Promise<T>): Promise<(T | undefined)[]> {
  return Promise.all(
    endpoints.redisSentinel.sentinels.map(async ({ host, port }) => {
      const sentinel = new Redis({
        host,
        port,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 1_000,
      });
      sentinel.on('error', () => {}); // a sentinel that is down answers undefined
      try {
        await sentinel.connect();
        return await ask(sentinel);
      } catch {
        return undefined;
      } finally {
        sentinel.disconnect();
      }
    }),
  );
}

/** The master port each sentinel reports (`SENTINEL get-master-addr-by-name`), `undefined` where none answered. */
export async function mastersReported(): Promise<(number | undefined)[]> {
  const name = endpoints.redisSentinel.masterName;
  return askEachSentinel(async (sentinel) => {
    const reply = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string] | null;
    return reply === null ? undefined : Number(reply[1]);
  });
}

/** The master all sentinels agree on, or `undefined` if they do not (yet) agree or one did not answer. */
function agreement(reported: (number | undefined)[]): SentinelDataPort | undefined {
  const first = reported[0];
  if (first === undefined || reported.some((port) => port !== first)) return undefined;
  return dataPort(first);
}

/** The master all sentinels agree on right now, or `undefined` if they do not (yet) agree. */
export async function agreedMaster(): Promise<SentinelDataPort | undefined> {
  return agreement(await mastersReported());
}

/** Polls the sentinels until they all name the same master that satisfies `accept`; throws after `ms`. */
export async function untilSentinelsAgree(
  ms: number,
  accept: (master: SentinelDataPort) => boolean = () => true,
): Promise<SentinelDataPort> {
  const deadline = Date.now() + ms;
  let last: (number | undefined)[] = [];
  for (;;) {
    last = await mastersReported();
    const master = agreement(last);
    if (master !== undefined && accept(master)) return master;
    if (Date.now() > deadline) {
      throw new Error(`the sentinels did not agree on a master within ${ms} ms (they report ${JSON.stringify(last)})`);
    }
    await sleep(100);
  }
}

/** `ROLE` of a data node (`'master'` / `'slave'`), or `undefined` if it does not answer. */
export async function roleOf(port: SentinelDataPort): Promise<string | undefined> {
  const node = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  node.on('error', () => {});
  try {
    await node.connect();
    const role = (await node.call('ROLE')) as [string, ...unknown[]];
    return role[0];
  } catch {
    return undefined;
  } finally {
    node.disconnect();
  }
}
