/**
 * Sentinel failover under load, on the real Sentinel group (data nodes 16380/16381, sentinels 26380-26382,
 * master `sessionkit`): the current master (asked of the sentinels, it may be either node) is SIGKILLed while
 * two stores behind Sentinel run create / strong read / compare-and-set update loops on their own sessions,
 * one store plain and one with `waitForReplicas: { replicas: 1 }`.
 *
 * What it proves:
 * - the plain store serves again (create + strong read + CAS update) on the promoted replica within the bound
 *   Sentinel's own timeouts give (see {@link FAILOVER_BOUND_MS});
 * - every call that fails meanwhile rejects with the typed, retryable `StoreUnavailableError` (or its
 *   subclass `StoreTimeoutError`) tagged `redis`, and none takes longer than the operation deadline plus
 *   scheduling slack; nothing surfaces as an unhandled rejection;
 * - with `waitForReplicas` no acknowledged write is lost: every session at least at the last version it was
 *   acknowledged at, after the failover. The WAIT store cannot acknowledge writes while the promoted master
 *   has no replica, so it serves again once the killed node has been restarted and re-attached as a replica;
 * - without it, acknowledged writes can be lost (asynchronous replication): the number is measured and
 *   reported, not asserted (on loopback the replica is usually less than a millisecond behind, so it is
 *   often 0).
 * The killed node is restarted (in `finally` too) and the test waits until it is a connected replica and the
 * three sentinels agree on the master, so later suites find a healthy group. Figures: one `[figures]` line.
 *
 * The same failover through `@sessionkit/http` (only 200/503 answers) is packages/http/test/
 * sentinel-failover-http.test.ts: making `@sessionkit/http` a devDependency of this package would close a
 * cycle in the workspace graph (http → test-stores / tiered → redis), which turbo refuses.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { StoreTimeoutError, StoreUnavailableError } from '@sessionkit/core';
import { endpoints, serverControl } from '@sessionkit/test-servers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisSessionStore } from '../src/index.js';
import { openStore, session, sleep } from './helpers.js';
import type { SentinelDataPort } from './sentinel.js';
import { otherDataPort, roleOf, sentinelServerName, untilSentinelsAgree } from './sentinel.js';

/** The stores' operation deadline. */
const TIMEOUT_MS = 1_000;
/** Scheduling slack on a loaded 2-core machine: a deadline timer may fire late, never much later. */
const TIMER_SLACK_MS = 500;
/** WAIT timeout of the durable store (must be below the deadline: one WAIT per write, one write per call). */
const WAIT_TIMEOUT_MS = 300;
/** Sentinel settings of the test group (services/lib/redis.mjs). */
const DOWN_AFTER_MS = 2_000;
const FAILOVER_TIMEOUT_MS = 6_000;
/**
 * How long after the kill the plain store must serve again. Sentinel marks the master subjectively down after
 * `down-after-milliseconds` (2 s), objectively down once a quorum (2) agrees (within about a second: they ask
 * each other every second), starts an election after a random delay of up to 1 s, and the winner promotes the
 * replica; one attempt is bounded by `failover-timeout` (6 s). An election can be lost to a split vote, and the
 * next attempt comes no sooner than 2 × `failover-timeout` after the first. So: down-after + one failed attempt
 * (2 × failover-timeout) + one successful attempt (failover-timeout) = 20 s, plus the client's reconnect
 * interval (at most 1 s) and a second of scheduling slack. A first attempt that succeeds, the usual case,
 * takes a few seconds (see the `[figures]` line).
 */
const FAILOVER_BOUND_MS = DOWN_AFTER_MS + 3 * FAILOVER_TIMEOUT_MS + 2_000;

const key = () => randomBytes(32).toString('base64url');

interface Call {
  op: string;
  ms: number;
  error?: unknown;
}

/** Every call made through one store: how many, the slowest, and each failure with its duration. */
class CallLog {
  calls = 0;
  slowestMs = 0;
  readonly failures: Call[] = [];

  /** Runs `call`, records its duration and outcome; returns the result, or `{ ok: false }` after a failure. */
  async run<T>(op: string, call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    const start = performance.now();
    let outcome: { ok: true; value: T } | { ok: false };
    try {
      outcome = { ok: true, value: await call() };
    } catch (error) {
      this.failures.push({ op, ms: performance.now() - start, error });
      outcome = { ok: false };
    }
    this.calls++;
    this.slowestMs = Math.max(this.slowestMs, performance.now() - start);
    return outcome;
  }

  /** Adds another log's calls to this one. */
  merge(other: CallLog): this {
    this.calls += other.calls;
    this.slowestMs = Math.max(this.slowestMs, other.slowestMs);
    for (const failure of other.failures) this.failures.push(failure);
    return this;
  }

  /** Failures counted by error class and by operation. */
  summary(): { byType: Record<string, number>; byOp: Record<string, number> } {
    const byType: Record<string, number> = {};
    const byOp: Record<string, number> = {};
    for (const { op, error } of this.failures) {
      const type = error instanceof Error ? error.constructor.name : typeof error;
      byType[type] = (byType[type] ?? 0) + 1;
      byOp[op] = (byOp[op] ?? 0) + 1;
    }
    return { byType, byOp };
  }
}

/** A session record at `version`, expiring 2 minutes from now (long enough for the test, short for the server). */
const record = (version: number) =>
  session({ version, data: new TextEncoder().encode(`v${version}`), expiresAt: Date.now() + 120_000 });

/**
 * Load on one store: `workers` loops, each creating its own sessions and taking each through three rounds of
 * strong read + compare-and-set update. `acked` holds, per session, the last version a call acknowledged.
 * After a failed call the worker leaves that session (whether the write landed is unknown) and starts a new
 * one; so it does when a read shows an older version than acknowledged (the write was lost in the failover)
 * or a CAS answers `false`.
 */
function runLoad(store: RedisSessionStore, workers: number) {
  const log = new CallLog();
  const acked = new Map<string, number>();
  let stopped = false;
  let stale = 0;
  const loop = async () => {
    while (!stopped) {
      const k = key();
      const created = await log.run('create', () => store.create(k, record(1)));
      if (!created.ok || !created.value) {
        await sleep(20);
        continue;
      }
      acked.set(k, 1);
      for (let version = 1; version < 4 && !stopped; version++) {
        const read = await log.run('get', () => store.get(k, { consistency: 'strong' }));
        if (!read.ok) break;
        if (read.value?.version !== version) {
          stale++;
          break;
        }
        const updated = await log.run('update', () => store.update(k, record(version + 1), version));
        if (!updated.ok) break;
        if (!updated.value) {
          stale++;
          break;
        }
        acked.set(k, version + 1);
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, loop));
  return {
    log,
    acked,
    /** Reads that saw less than was acknowledged, plus CAS updates refused, on sessions only one worker writes. */
    stale: () => stale,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** Polls (every 100 ms) until create + strong read + CAS update of a fresh session succeed; returns when. */
async function untilServing(store: RedisSessionStore, log: CallLog, withinMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < withinMs) {
    const k = key();
    const created = await log.run('create', () => store.create(k, record(1)));
    if (created.ok && created.value) {
      const read = await log.run('get', () => store.get(k, { consistency: 'strong' }));
      if (read.ok && read.value?.version === 1) {
        const updated = await log.run('update', () => store.update(k, record(2), 1));
        if (updated.ok && updated.value) return performance.now();
      }
    }
    await sleep(100);
  }
  throw new Error(`not serving again within ${withinMs} ms`);
}

/** Sessions whose last acknowledged version is gone after the failover: missing, or at an older version. */
async function lostWrites(store: RedisSessionStore, acked: Map<string, number>) {
  let lostCreates = 0;
  let rolledBack = 0;
  const entries = [...acked];
  for (let i = 0; i < entries.length; i += 50) {
    await Promise.all(
      entries.slice(i, i + 50).map(async ([k, version]) => {
        const now = await store.get(k, { consistency: 'strong' });
        if (now === null) lostCreates++;
        else if (now.version < version) rolledBack++;
      }),
    );
  }
  return { lostCreates, rolledBack, lost: lostCreates + rolledBack };
}

function expectTypedTimelyFailures(log: CallLog): void {
  for (const { op, error, ms } of log.failures) {
    expect(error, `${op}: ${String(error)}`).toBeInstanceOf(StoreUnavailableError); // StoreTimeoutError included
    expect((error as StoreUnavailableError).store).toBe('redis');
    expect((error as StoreUnavailableError).retryable).toBe(true);
    expect(ms, `${op} failed after ${Math.round(ms)} ms`).toBeLessThanOrEqual(TIMEOUT_MS + TIMER_SLACK_MS);
  }
  // Successful calls are bounded by the same deadline (it rejects them otherwise): none may hang past it.
  expect(Math.round(log.slowestMs), 'slowest call, ms').toBeLessThanOrEqual(TIMEOUT_MS + TIMER_SLACK_MS);
}

describe.skipIf(endpoints.redisSentinel.external)(
  'Sentinel failover under load (skipped when SESSIONKIT_REDIS_SENTINELS points at servers this run must not kill)',
  () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    beforeEach(() => {
      unhandled.length = 0;
      process.on('unhandledRejection', onUnhandled);
    });
    afterEach(() => {
      process.off('unhandledRejection', onUnhandled);
    });

    it('master SIGKILLed: typed failures within the deadline, serving on the promoted replica within Sentinel timeouts, no acknowledged write lost with waitForReplicas', {
      timeout: 150_000,
    }, async () => {
      // A healthy group to start from (a no-op when it is): both data nodes up, replication connected.
      await serverControl.start('redis-sentinel');
      const victim: SentinelDataPort = await untilSentinelsAgree(10_000);
      const victimName = sentinelServerName(victim);
      const run = randomBytes(4).toString('hex');
      const plain = openStore('sentinel', `skr-failover-${run}-plain:`, { operationTimeoutMs: TIMEOUT_MS });
      const durable = openStore('sentinel', `skr-failover-${run}-wait:`, {
        operationTimeoutMs: TIMEOUT_MS,
        waitForReplicas: { replicas: 1, timeoutMs: WAIT_TIMEOUT_MS },
      });
      const probe = { plain: new CallLog(), durable: new CallLog() };
      let killed = false;
      try {
        await Promise.all([untilServing(plain, probe.plain, 10_000), untilServing(durable, probe.durable, 10_000)]);
        const load = { plain: runLoad(plain, 4), durable: runLoad(durable, 4) };
        await sleep(1_000);
        const ackedBeforeKill = { plain: load.plain.acked.size, durable: load.durable.acked.size };

        // The crash. Timings count from the moment the process is known to be gone.
        await serverControl.kill(victimName);
        killed = true;
        const killedAt = performance.now();

        // The plain store's recovery is polled from the kill on, next to the sentinels' agreement (a client
        // follows the first sentinel that answers, which may switch before the others).
        const [promoted, plainBackAt] = await Promise.all([
          untilSentinelsAgree(FAILOVER_BOUND_MS, (master) => master !== victim).then((master) => ({
            master,
            at: performance.now(),
          })),
          untilServing(plain, probe.plain, FAILOVER_BOUND_MS + 5_000),
        ]);
        expect(promoted.master, 'the sentinels promoted the other data node').toBe(otherDataPort(victim));
        const failoverMs = plainBackAt - killedAt;
        // Some load on the new master while it has no replica: the plain store is acknowledged, the WAIT store
        // is refused (typed) because no replica can acknowledge.
        await sleep(1_000);

        // Bring the killed node back; resolves once it is a connected replica of the new master.
        const restartStart = performance.now();
        await serverControl.start(victimName);
        killed = false;
        const rejoinMs = performance.now() - restartStart;
        const durableBackAt = await untilServing(durable, probe.durable, 15_000);
        await sleep(1_000);
        await Promise.all([load.plain.stop(), load.durable.stop()]);

        const lost = {
          plain: await lostWrites(plain, load.plain.acked),
          durable: await lostWrites(durable, load.durable.acked),
        };
        const logs = {
          plain: [load.plain.log, probe.plain],
          durable: [load.durable.log, probe.durable],
        };
        const failures = (which: 'plain' | 'durable') => logs[which].flatMap((l) => l.failures);
        const summary = (which: 'plain' | 'durable') => {
          const merged = new CallLog();
          for (const l of logs[which]) merged.merge(l);
          return {
            calls: merged.calls,
            failed: merged.failures.length,
            ...merged.summary(),
            timeouts: merged.failures.filter((f) => f.error instanceof StoreTimeoutError).length,
            slowestCallMs: Math.round(merged.slowestMs),
            slowestFailureMs: Math.round(merged.failures.reduce((max, f) => Math.max(max, f.ms), 0)),
            ackedSessions: load[which].acked.size,
            ackedWrites: [...load[which].acked.values()].reduce((a, b) => a + b, 0),
            staleReadsOrCasRefused: load[which].stale(),
            ...lost[which],
          };
        };
        console.log(
          `[figures] ${JSON.stringify({
            test: 'packages/redis/test/sentinel-failover.test.ts',
            killed: victimName,
            operationTimeoutMs: TIMEOUT_MS,
            waitTimeoutMs: WAIT_TIMEOUT_MS,
            downAfterMs: DOWN_AFTER_MS,
            failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
            boundMs: FAILOVER_BOUND_MS,
            sentinelsAgreeAfterMs: Math.round(promoted.at - killedAt),
            plainServingAgainAfterMs: Math.round(failoverMs),
            restartToReplicaMs: Math.round(rejoinMs),
            durableServingAgainAfterRestartMs: Math.round(durableBackAt - restartStart),
            plain: summary('plain'),
            waitForReplicas: summary('durable'),
          })}`,
        );

        expect(ackedBeforeKill.plain, 'writes acknowledged before the kill (plain)').toBeGreaterThan(0);
        expect(ackedBeforeKill.durable, 'writes acknowledged before the kill (waitForReplicas)').toBeGreaterThan(0);
        expect(failoverMs, 'serving again on the promoted replica').toBeLessThanOrEqual(FAILOVER_BOUND_MS);
        // The master was gone for seconds and nothing queues: calls certainly failed meanwhile, typed and timely.
        expect(failures('plain').length, 'calls failed during the failover (plain)').toBeGreaterThan(0);
        expect(failures('durable').length, 'calls failed during the failover (waitForReplicas)').toBeGreaterThan(0);
        for (const l of [...logs.plain, ...logs.durable]) expectTypedTimelyFailures(l);
        // The design's promise: a write acknowledged after WAIT 1 is on the only replica, which is promoted.
        expect(lost.durable.lost, 'acknowledged writes lost with waitForReplicas').toBe(0);
        expect(load.durable.stale(), 'stale reads or refused CAS on sessions only one worker writes').toBe(0);
        await sleep(50);
        expect(unhandled, 'unhandled rejections').toEqual([]);
      } finally {
        try {
          // Later suites find a healthy group: `start` resolves once the restarted node replicates from the
          // new master and every sentinel sees it; then the sentinels must name the same master.
          if (killed) await serverControl.start(victimName);
          await untilSentinelsAgree(30_000);
        } finally {
          await Promise.all([plain.close(), durable.close()]);
        }
      }
      expect(await untilSentinelsAgree(1_000), 'the sentinels agree on the promoted master').toBe(
        otherDataPort(victim),
      );
      expect(await roleOf(victim), 'the restarted node is a replica again').toBe('slave');
    });
  },
);
