/**
 * The Sentinel failover of packages/redis/test/sentinel-failover.test.ts, seen through HTTP: a `node:http`
 * server with `withSession` in this process, on a `RedisSessionStore` behind Sentinel (deadline 1 s), serves
 * 4 clients that each keep their own session and increment a counter in it on every request, while the
 * current master (asked of the sentinels) is SIGKILLed. Every answer must be 200 or 503 (a store outage fails
 * closed: never a 500, never a silent anonymous session), none may hang, and requests succeed again once the
 * replica is promoted. The killed node is restarted in `finally` and the test waits until the sentinels agree.
 * (It lives here rather than in packages/redis because a devDependency on this package there would close a
 * cycle in the workspace graph: http → test-stores → redis.) Figures: one `[figures]` line.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionManager } from '@sessionkit/core';
import type { ServerName } from '@sessionkit/test-servers';
import { endpoints, serverControl } from '@sessionkit/test-servers';
import { openTestStore } from '@sessionkit/test-stores';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { withSession } from '../src/index.js';
import type { Data } from './helpers.js';
import { cookiePair, SECRET, send } from './helpers.js';

const TIMEOUT_MS = 1_000;
/**
 * A request makes at most a load and a commit (each bounded by the store's deadline) plus, for a session the
 * load found missing, a create: 3 deadlines, and a second of scheduling slack on a loaded 2-core machine.
 */
const REQUEST_BOUND_MS = 3 * TIMEOUT_MS + 1_000;
/** Sentinel down-after (2 s) + one lost election (2 × 6 s failover-timeout) + one attempt (6 s) + 2 s: see the redis test. */
const FAILOVER_BOUND_MS = 22_000;
const MINUTE = 60_000;

/** The master port each sentinel names right now (`undefined` where a sentinel did not answer). */
async function mastersReported(): Promise<(number | undefined)[]> {
  const { sentinels, masterName } = endpoints.redisSentinel;
  return Promise.all(
    sentinels.map(async ({ host, port }) => {
      const client = createClient({ socket: { host, port, reconnectStrategy: false, connectTimeout: 1_000 } });
      client.on('error', () => {});
      try {
        await client.connect();
        const reply = (await client.sendCommand(['SENTINEL', 'get-master-addr-by-name', masterName])) as
          | [string, string]
          | null;
        return reply === null ? undefined : Number(reply[1]);
      } catch {
        return undefined;
      } finally {
        if (client.isOpen) client.destroy();
      }
    }),
  );
}

/** Polls until every sentinel names the same master, one that `accept` takes; returns its port. */
async function untilSentinelsAgree(ms: number, accept: (port: number) => boolean = () => true): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const reported = await mastersReported();
    const first = reported[0];
    if (first !== undefined && reported.every((p) => p === first) && accept(first)) return first;
    if (Date.now() > deadline)
      throw new Error(`the sentinels did not agree within ${ms} ms: ${JSON.stringify(reported)}`);
    await sleep(100);
  }
}

describe.skipIf(endpoints.redisSentinel.external)(
  'Sentinel failover through node:http (skipped when SESSIONKIT_REDIS_SENTINELS points at servers this run must not kill)',
  () => {
    it('master SIGKILLed under HTTP load: only 200 and 503 answers, none hangs, 200 again after the promotion', {
      timeout: 120_000,
    }, async () => {
      await serverControl.start('redis-sentinel');
      const victimPort = await untilSentinelsAgree(10_000);
      expect([16380, 16381]).toContain(victimPort);
      const victim = `redis-sentinel-${victimPort}` as ServerName;
      const store = await openTestStore('redis-sentinel', {
        prefix: `test:http:failover:${randomBytes(4).toString('hex')}:`,
        operationTimeoutMs: TIMEOUT_MS,
      });
      const manager = new SessionManager<Data>({ store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE });
      const server: Server = createServer(
        withSession<Data>(
          async (_req, res, session) => {
            const s = await session.session();
            s.update('visits', (n) => ((n as number | undefined) ?? 0) + 1);
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ ok: true }));
          },
          { manager, secrets: [SECRET], onError: () => {} },
        ),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/visit`;

      const statuses: Record<number, number> = {};
      let slowestMs = 0;
      let lastOkAt = 0;
      let killedAt = Number.POSITIVE_INFINITY;
      let firstOkAfterKill: number | undefined;
      let stopped = false;
      const client = async () => {
        let cookie: string | undefined;
        while (!stopped) {
          const start = performance.now();
          const reply = await send(url, cookie === undefined ? {} : { cookie });
          slowestMs = Math.max(slowestMs, performance.now() - start);
          statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
          if (reply.status === 200) {
            lastOkAt = performance.now();
            if (start > killedAt && firstOkAfterKill === undefined) firstOkAfterKill = lastOkAt;
            cookie = cookiePair(reply) ?? cookie;
          } else {
            await sleep(20);
          }
        }
      };
      const clients = Promise.all(Array.from({ length: 4 }, client));
      let killed = false;
      try {
        await sleep(1_000);
        expect(statuses[200], 'requests served before the kill').toBeGreaterThan(0);
        await serverControl.kill(victim);
        killed = true;
        killedAt = performance.now();
        await untilSentinelsAgree(FAILOVER_BOUND_MS, (port) => port !== victimPort);
        const agreedAt = performance.now();
        // 200 again once the sentinels agree on the promoted replica.
        const deadline = killedAt + FAILOVER_BOUND_MS + 5_000;
        while (lastOkAt <= agreedAt && performance.now() < deadline) await sleep(50);
        await sleep(1_000);
        stopped = true;
        await clients;
        console.log(
          `[figures] ${JSON.stringify({
            test: 'packages/http/test/sentinel-failover-http.test.ts',
            killed: victim,
            operationTimeoutMs: TIMEOUT_MS,
            sentinelsAgreeAfterMs: Math.round(agreedAt - killedAt),
            first200AfterKillMs: firstOkAfterKill === undefined ? null : Math.round(firstOkAfterKill - killedAt),
            statuses,
            slowestRequestMs: Math.round(slowestMs),
          })}`,
        );
        expect(Object.keys(statuses).map(Number).sort(), 'only 200 and 503 answers').toEqual([200, 503]);
        expect(lastOkAt, '200 again after the promotion').toBeGreaterThan(agreedAt);
        expect(Math.round(slowestMs), 'slowest request, ms').toBeLessThanOrEqual(REQUEST_BOUND_MS);
      } finally {
        stopped = true;
        await clients;
        try {
          if (killed) await serverControl.start(victim);
          await untilSentinelsAgree(30_000);
        } finally {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await store.close();
        }
      }
    });
  },
);
