/**
 * Fault tests on the real servers: the standalone server killed mid-run, and a Cluster master killed until
 * its replica takes over. Every failed call must reject with the typed, retryable StoreUnavailableError
 * within the configured deadline, nothing may surface as an unhandled rejection, and calls must succeed
 * again within seconds of the recovery. Servers are restored in `finally` so later suites find them up.
 * A store with the near cache on rides along in both: its cache must turn back on after the recovery (on
 * Cluster: following the promoted master) and keep reporting changes made through the other store.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { StoreUnavailableError } from '@sessionkit/core';
import type { ServerName } from '@sessionkit/test-servers';
import { serverControl } from '@sessionkit/test-servers';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisSessionStore } from '../src/index.js';
import type { ClusterSlots, Topology } from './helpers.js';
import {
  fillCache,
  openNearCachedStore,
  openStore,
  session,
  sleep,
  until,
  untilEverySlotHasReplica,
} from './helpers.js';

const TIMEOUT_MS = 600;
/** Scheduling slack on a loaded 2-core machine: a deadline timer may fire late, never much later. */
const TIMER_SLACK_MS = 400;

const key = () => randomBytes(32).toString('base64url');

interface Failure {
  error: unknown;
  elapsedMs: number;
}

/** Runs `workers` loops of create/get/update/touch/delete on fresh keys until stopped; records every failure. */
function runTraffic(store: RedisSessionStore, workers: number, keyFor: () => string) {
  let stopped = false;
  const failures: Failure[] = [];
  let successes = 0;
  const timed = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    const start = performance.now();
    try {
      const result = await call();
      successes++;
      return result;
    } catch (error) {
      failures.push({ error, elapsedMs: performance.now() - start });
      await sleep(20);
      return undefined;
    }
  };
  const loop = async (worker: number) => {
    while (!stopped) {
      const k = keyFor();
      const user = `fault-user-${worker}`;
      await timed(() => store.create(k, session({ userId: user })));
      await timed(() => store.get(k));
      await timed(() => store.update(k, session({ version: 2, userId: user }), 1));
      await timed(() => store.touch(k, Date.now() + 120_000));
      await timed(() => store.listByUser(user));
      await timed(() => store.delete(k));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, i) => loop(i)));
  return {
    failures,
    successes: () => successes,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * Checks that `near` (near cache on) is live again and sees a change `other` makes to `k` (a key of the slot
 * range that failed over, on Cluster).
 */
async function expectNearCacheFollows(near: RedisSessionStore, other: RedisSessionStore, k: string): Promise<void> {
  await until(() => near.nearCacheStats.live, 15_000, 'the near cache to turn back on');
  expect(await other.create(k, session({ version: 1 }))).toBe(true);
  await fillCache(near, k);
  expect(await other.update(k, session({ version: 2 }), 1)).toBe(true);
  await until(async () => (await near.get(k))?.version === 2, 2_000, 'the update to reach the near cache');
}

/** Polls until a full create/get/delete round succeeds; returns how long that took. */
async function untilServing(store: RedisSessionStore, keyFor: () => string, withinMs: number): Promise<number> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < withinMs) {
    try {
      const k = keyFor();
      if ((await store.create(k, session())) && (await store.get(k)) && (await store.delete(k)))
        return Date.now() - start;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`not serving again within ${withinMs} ms; last error: ${String(last)}`);
}

function expectTypedTimelyFailures(failures: Failure[]): void {
  expect(failures.length, 'calls failed while the server was down').toBeGreaterThan(0);
  for (const { error, elapsedMs } of failures) {
    expect(error, String(error)).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).store).toBe('redis');
    expect((error as StoreUnavailableError).retryable).toBe(true);
    expect(elapsedMs, `failed after ${Math.round(elapsedMs)} ms`).toBeLessThanOrEqual(TIMEOUT_MS + TIMER_SLACK_MS);
  }
}

describe('fault injection', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('standalone server killed mid-run: typed failures within the deadline, serving again after the restart', async () => {
    const prefix = `skr-fault-${randomBytes(4).toString('hex')}:`;
    const store = openStore('standalone' satisfies Topology, prefix, { operationTimeoutMs: TIMEOUT_MS });
    const near = await openNearCachedStore('standalone', prefix, { operationTimeoutMs: TIMEOUT_MS });
    try {
      await untilServing(store, key, 5_000);
      const traffic = runTraffic(store, 8, key);
      await sleep(300);
      const before = traffic.successes();
      await serverControl.kill('redis');
      await sleep(1_500);
      await serverControl.start('redis');
      const recoveredInMs = await untilServing(store, key, 10_000);
      console.log(
        `standalone: ${traffic.failures.length} typed failures, serving again ${recoveredInMs} ms after the restart`,
      );
      await sleep(300);
      await traffic.stop();
      expect(before, 'calls succeeded before the kill').toBeGreaterThan(0);
      expectTypedTimelyFailures(traffic.failures);
      expect(recoveredInMs, 'serving again after the restart').toBeLessThan(10_000);
      await expectNearCacheFollows(near, store, key());
      await sleep(50);
      expect(unhandled, 'unhandled rejections').toEqual([]);
    } finally {
      await serverControl.start('redis');
      await Promise.all([store.close(), near.close()]);
    }
  });

  it('Cluster master killed: typed failures during the failover, serving again once the replica is promoted', async () => {
    const prefix = `skr-fault-${randomBytes(4).toString('hex')}:`;
    const store = openStore('cluster', prefix, { operationTimeoutMs: TIMEOUT_MS });
    const near = await openNearCachedStore('cluster', prefix, { operationTimeoutMs: TIMEOUT_MS });
    let killed: ServerName | undefined;
    const probes: Redis[] = [];
    try {
      await untilServing(store, key, 5_000);
      // The master that owns slot 0 right now (earlier runs may have moved masters around).
      const cluster = store.client;
      const slots = (await cluster.call('CLUSTER', 'SLOTS')) as ClusterSlots;
      const range = slots.find(([from]) => from === 0)!;
      const victimPort = range[2]![1];
      killed = `redis-cluster-${victimPort}` as ServerName;
      // Keys in the victim's slot range, so the traffic certainly hits the dead master.
      const inRange: string[] = [];
      while (inRange.length < 200) {
        const k = key();
        const slot = (await cluster.call('CLUSTER', 'KEYSLOT', prefix + k)) as number;
        if (slot >= range[0] && slot <= range[1]) inRange.push(k);
      }
      const watched = inRange.pop()!; // for the near cache, after the failover
      let next = 0;
      const keyFor = () => (next < inRange.length ? inRange[next++]! : key());
      const traffic = runTraffic(store, 8, () => key());
      const victimTraffic = runTraffic(store, 4, keyFor);
      await sleep(300);
      await serverControl.kill(killed);
      // Wait for the promotion, as seen by a surviving node.
      const survivor = new Redis({ host: '127.0.0.1', port: victimPort === 17001 ? 17002 : 17001, lazyConnect: true });
      probes.push(survivor);
      const promoteStart = Date.now();
      for (;;) {
        const now = (await survivor.call('CLUSTER', 'SLOTS')) as ClusterSlots;
        const owner = now.find(([from]) => from === 0)?.[2]?.[1];
        const info = (await survivor.call('CLUSTER', 'INFO')) as string;
        if (owner !== undefined && owner !== victimPort && info.includes('cluster_state:ok')) break;
        if (Date.now() - promoteStart > 30_000) throw new Error('no replica promotion within 30 s');
        await sleep(200);
      }
      const promotedInMs = Date.now() - promoteStart;
      // Slot-0 keys are served again within seconds of the promotion.
      const recoveredInMs = await untilServing(store, () => key(), 10_000);
      const slotKeysBack = await untilServing(store, keyFor, 10_000);
      console.log(
        `cluster: replica promoted ${promotedInMs} ms after the kill; victim slots served again ${recoveredInMs + slotKeysBack} ms later`,
      );
      await Promise.all([traffic.stop(), victimTraffic.stop()]);
      expectTypedTimelyFailures([...traffic.failures, ...victimTraffic.failures]);
      expect(recoveredInMs + slotKeysBack).toBeLessThan(20_000);
      await expectNearCacheFollows(near, store, watched);
      await sleep(50);
      expect(unhandled, 'unhandled rejections').toEqual([]);
    } finally {
      // Bring the killed node back: it rejoins as a replica of the promoted one.
      if (killed) await serverControl.start(killed);
      await Promise.all(probes.map((p) => p.quit().catch(() => p.disconnect())));
      await Promise.all([store.close(), near.close()]);
    }
    const [status] = await serverControl.status(killed!);
    expect(status?.state).toBe('up');
    const rejoined = new Redis({ host: '127.0.0.1', port: Number(killed!.slice('redis-cluster-'.length)) });
    try {
      const role = (await rejoined.call('ROLE')) as [string];
      expect(role[0], 'the restarted node rejoined as a replica').toBe('slave');
    } finally {
      await rejoined.quit();
    }
    // Leave the cluster as it was found: every slot with a replica again (the next test files read from them).
    await untilEverySlotHasReplica();
  }, 90_000);
});
