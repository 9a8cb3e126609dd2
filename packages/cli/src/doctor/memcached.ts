/**
 * `sessionkit doctor memcached://...`: per server, `stats` (evictions, memory used against `limit_maxbytes`)
 * and `stats settings` (whether eviction is on, the item size limit), folded into one line per check; plus
 * what memcached cannot give sessions at all (persistence, replication), judged by the store's role.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import memjs from 'memjs';
import { type CheckResult, errorMessage, fail, pass, warn } from './check.js';
import { formatBytes, formatUptime } from './format.js';
import { mergeNodeResults, type NodeResults } from './merge.js';

/** A memcached server. */
export interface MemcachedServer {
  host: string;
  port: number;
}

/** Whether the store is used alone (sessions live only there) or as the cache tier of a tiered store. */
export type StoreRole = 'store' | 'cache';

/**
 * The item size limit `@sessionkit/memcached` assumes by default (`maxItemBytes`, memcached's own default
 * `-I 1m`): a server with a smaller limit refuses the largest sessions the store accepts.
 */
export const ADAPTER_DEFAULT_ITEM_BYTES = 1_048_576;

/** Share of `limit_maxbytes` above which the memory check warns. */
export const MEMCACHED_FULL_RATIO = 0.9;

/** What one server said. */
export interface MemcachedFacts {
  stats: Record<string, string>;
  settings: Record<string, string>;
}

/** `stats <key>` on one server, bounded by `timeoutMs`. */
function statsOf(client: memjs.Client, key: string, timeoutMs: number): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to "stats ${key}" within ${timeoutMs} ms`)), timeoutMs);
    // memjs calls back once per server (there is one) — or once per error line; the first call settles.
    client.statsWithKey(key, (error, _server, stats) => {
      clearTimeout(timer);
      if (error || !stats) reject(error ?? new Error(`empty answer to "stats ${key}"`));
      else resolve(stats);
    });
  });
}

/** Reads the stats and settings of one server. @throws {StoreUnavailableError} when it does not answer. */
export async function readMemcached(server: MemcachedServer, timeoutMs: number): Promise<MemcachedFacts> {
  const client = memjs.Client.create(`${server.host}:${server.port}`, {
    retries: 0,
    timeout: timeoutMs / 1000,
    conntimeout: timeoutMs / 1000,
    // memjs logs each failure through `logger` and also passes it to the callback, where it is reported.
    logger: { log: () => undefined },
  });
  try {
    const stats = await statsOf(client, '', timeoutMs);
    const settings = await statsOf(client, 'settings', timeoutMs);
    return { stats, settings };
  } catch (error) {
    throw new StoreUnavailableError(`memcached ${server.host}:${server.port} did not answer: ${errorMessage(error)}`, {
      store: 'memcached',
      operation: 'doctor',
      cause: error,
    });
  } finally {
    client.close();
  }
}

const num = (v: string | undefined) => Number(v ?? 0) || 0;

/** `memcached.evictions`: items dropped before their expiry to make room. */
export function evictionsCheck(f: MemcachedFacts, role: StoreRole): CheckResult {
  const id = 'memcached.evictions';
  const evictions = num(f.stats.evictions);
  const uptime = num(f.stats.uptime);
  const enabled = f.settings.evictions !== 'off';
  if (!enabled) {
    const refused = num(f.stats.outofmemory);
    return refused > 0
      ? warn(
          id,
          `eviction off (-M) and ${refused} writes refused for lack of memory since it started: logins and session saves failed.`,
          'give memcached more memory (-m) or more servers',
        )
      : pass(id, 'eviction off (-M): a full server refuses writes instead of dropping sessions; none refused so far.');
  }
  if (evictions === 0) {
    return pass(id, `no item evicted in ${formatUptime(uptime)} of uptime.`);
  }
  const finding = `${evictions} items evicted in ${formatUptime(uptime)} of uptime (LRU): `;
  const fix = 'give memcached more memory (-m) or more servers, so that live sessions fit';
  return role === 'cache'
    ? warn(id, `${finding}cache misses fall back to the durable tier (more load there, no session lost).`, fix)
    : fail(id, `${finding}live sessions were dropped before their deadline (users logged out early).`, fix);
}

/** `memcached.memory`: how full the server is against `limit_maxbytes`. */
export function memoryCheck(f: MemcachedFacts): CheckResult {
  const id = 'memcached.memory';
  const limit = num(f.stats.limit_maxbytes);
  const used = num(f.stats.bytes);
  const items = num(f.stats.curr_items);
  const ratio = limit > 0 ? used / limit : 0;
  const room =
    items > 0 && used > 0
      ? `; room for about ${Math.max(0, Math.floor((limit - used) / (used / items)))} more items of the current average size (${Math.round(used / items)} bytes)`
      : '';
  const figures = `${formatBytes(used)} of ${formatBytes(limit)} (${Math.round(ratio * 100)}%) in ${items} items${room}`;
  if (ratio >= MEMCACHED_FULL_RATIO) {
    return warn(
      id,
      `${figures}: nearly full, so new sessions soon push out older live ones.`,
      'raise -m (limit_maxbytes) or add servers',
    );
  }
  return pass(id, `${figures}.`);
}

/** `memcached.item-size`: the server's item limit against what the store accepts by default. */
export function itemSizeCheck(f: MemcachedFacts): CheckResult {
  const id = 'memcached.item-size';
  const max = num(f.settings.item_size_max);
  if (max === 0) return warn(id, 'stats settings did not report item_size_max.', 'check the -I setting of the server');
  if (max < ADAPTER_DEFAULT_ITEM_BYTES) {
    return warn(
      id,
      `item_size_max ${max} bytes, below the ${ADAPTER_DEFAULT_ITEM_BYTES} bytes the store assumes by default: sessions larger than the server accepts fail on write.`,
      `set the store's maxItemBytes option to ${max} (it then refuses such sessions with PayloadTooLargeError before writing), or raise -I`,
    );
  }
  return pass(id, `item_size_max ${max} bytes.`);
}

/** `memcached.durability`: memcached keeps sessions in one server's memory, without replication. */
export function durabilityCheck(role: StoreRole): CheckResult {
  const id = 'memcached.durability';
  return role === 'cache'
    ? pass(id, 'cache tier: a restarted server only costs misses that the durable tier answers.')
    : warn(
        id,
        "memcached keeps each session in one server's memory only (no persistence, no replication): a restart or crash of a server logs out its share of users.",
        'use memcached as the cache tier in front of a durable store (tiered:memcached://...|cassandra://...), or accept the logouts',
      );
}

/** Runs the memcached checks on every server. @throws {StoreUnavailableError} when no server answers. */
export async function doctorMemcached(
  servers: readonly MemcachedServer[],
  role: StoreRole,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const answers = await Promise.allSettled(servers.map((s) => readMemcached(s, timeoutMs)));
  if (answers.every((a) => a.status === 'rejected')) {
    throw new StoreUnavailableError(answers.map((a) => errorMessage((a as PromiseRejectedResult).reason)).join('; '), {
      store: 'memcached',
      operation: 'doctor',
    });
  }
  const perNode: NodeResults[] = answers.map((a, i) => {
    const node = `${servers[i]!.host}:${servers[i]!.port}`;
    if (a.status === 'rejected') {
      return {
        node,
        results: [
          fail(
            'memcached.connection',
            `no answer: ${errorMessage(a.reason)}; the sessions hashed to this server cannot be read or written.`,
            'bring the server back, or remove it from the URL (its sessions are lost either way)',
          ),
        ],
      };
    }
    return { node, results: [evictionsCheck(a.value, role), memoryCheck(a.value), itemSizeCheck(a.value)] };
  });
  return [...mergeNodeResults(perNode), durabilityCheck(role)];
}
