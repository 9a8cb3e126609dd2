/**
 * Failed store calls: a Redis store pointed at a closed port reports `unavailable`, one whose server accepts
 * connections but never answers reports `timeout`; the span's status is an error with `error.type`, and the
 * typed error reaches the caller unchanged. No test server is stopped (the soak test owns them).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SpanStatusCode } from '@opentelemetry/api';
import { StoreTimeoutError, StoreUnavailableError } from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, METRICS } from '../src/index.js';
import { count, testTelemetry } from './harness.js';

describe('store outage', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: every command runs into the operation deadline.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    // A client still waiting for its QUIT reply keeps its connection: end them all.
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    { name: 'a closed port', port: () => 1, outcome: 'unavailable', error: StoreUnavailableError },
    { name: 'a server that never answers', port: () => silentPort, outcome: 'timeout', error: StoreTimeoutError },
  ])('$name: outcome $outcome', async ({ port, outcome, error }) => {
    const t = testTelemetry();
    const store = t.telemetry.instrumentStore(
      new RedisSessionStore({ connection: { host: '127.0.0.1', port: port() }, operationTimeoutMs: 300 }),
      { address: '127.0.0.1', port: port() },
    );
    try {
      const failure = await store.get('k').catch((thrown: unknown) => thrown);
      expect(failure).toBeInstanceOf(error);
      if (outcome === 'unavailable') expect(failure).not.toBeInstanceOf(StoreTimeoutError);
    } finally {
      await store.close();
    }
    const metrics = await t.metrics();
    expect(count(metrics, METRICS.storeDuration, { [ATTR.dbOperation]: 'get', [ATTR.outcome]: outcome })).toBe(1);
    const [span] = t.spans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toMatchObject({
      [ATTR.outcome]: outcome,
      [ATTR.dbSystem]: 'redis',
      [ATTR.errorType]: outcome === 'timeout' ? 'STORE_TIMEOUT' : 'STORE_UNAVAILABLE',
    });
  });
});
