/**
 * Memcached benchmark: one session read + compare-and-set write through `MemcachedSessionStore` (get, then
 * update with the version just read: a CAS SET on the wire, thanks to the CAS remembered from the get),
 * against raw memjs doing a plain get + set of the same payload. Same servers (all three test servers),
 * same concurrency, one key per worker, measured alternately in the same run. Target: >= 0.85x.
 */

import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { generateSessionId, hashSessionId } from '@sessionkit/core';
import { MemcachedSessionStore } from '@sessionkit/memcached';
import { endpoints } from '@sessionkit/test-servers';
import memjs from 'memjs';
import { type BenchResult, compare, printResults } from './lib/measure.js';
import { getAndUpdate } from './lib/store-operations.js';

const PAYLOAD_BYTES = 1024;
const CONCURRENCY = 32;
const TTL_MS = 30 * 60_000;

/** Runs the memcached comparison. */
export async function runMemcachedBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const servers = endpoints.memcached.servers;
  const prefix = `skb-${randomBytes(4).toString('hex')}:`;
  const store = new MemcachedSessionStore({ servers, keyPrefix: prefix });
  const raw = memjs.Client.create(servers.join(','), { logger: { log: () => {} }, keepAlive: true });
  // memjs's own placement (hashCode % n) and the adapter's ring put a given set of keys on the servers in
  // different proportions; with one connection per server that alone moves throughput by tens of percent.
  // So the baseline puts each key on the same server as the adapter does (a precomputed map: no hashing
  // cost added to the baseline), and both sides spread the same load over the same servers.
  const placement = new Map<string, number>();
  // memjs returns the server's index from getServer; @types/memjs declares a string.
  raw.getServer = ((key: string) => placement.get(key) ?? 0) as unknown as typeof raw.getServer;
  try {
    const payload = randomBytes(PAYLOAD_BYTES);
    const keys = Array.from({ length: CONCURRENCY }, () => hashSessionId(generateSessionId()));
    for (const k of keys) placement.set(`${prefix}raw:${k}`, servers.indexOf(store.serverFor(k)));
    for (const [i, k] of keys.entries()) {
      await store.create(k, { data: payload, version: 1, expiresAt: Date.now() + TTL_MS, userId: `bench-user-${i}` });
      await raw.set(`${prefix}raw:${k}`, payload, { expires: TTL_MS / 1000 });
    }
    let conflicts = 0;
    const result = await compare(
      {
        name: `MemcachedSessionStore get + CAS update (${PAYLOAD_BYTES} B, ${servers.length} servers, c=${CONCURRENCY})`,
        baseline: 'raw memjs get + set, same payload',
        target: { min: 0.85, label: '>= 0.85x' },
      },
      async (worker) => {
        if (!(await getAndUpdate(store, keys[worker]!, payload, TTL_MS))) conflicts++;
      },
      async (worker) => {
        const k = `${prefix}raw:${keys[worker]!}`;
        await raw.get(k);
        await raw.set(k, payload, { expires: TTL_MS / 1000 });
      },
      { durationMs: opts.quick ? 500 : 1000, concurrency: CONCURRENCY, rounds: opts.quick ? 3 : 6 },
    );
    const perServer = servers.map((s) => keys.filter((k) => store.serverFor(k) === s).length).join('/');
    result.notes = `${conflicts > 0 ? `${conflicts} unexpected CAS conflicts` : 'no CAS conflicts'}; keys per server ${perServer} on both sides`;
    for (const k of keys) await store.delete(k);
    for (let i = 0; i < keys.length; i++) await store.deleteByUser(`bench-user-${i}`);
    return [result];
  } finally {
    await store.close();
    raw.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResults(await runMemcachedBench({ quick: process.argv.includes('--quick') }));
}
