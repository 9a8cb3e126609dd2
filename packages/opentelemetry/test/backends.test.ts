/**
 * Every real backend (loopback test servers): store operations, a compare-and-set conflict between two
 * managers racing on one session, lifecycle and touch events produce the documented metrics and spans, and no
 * raw session ID appears in any reported attribute or log line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind } from '@opentelemetry/api';
import type { SessionLogger, SessionStore } from '@sessionkit/core';
import { generateSessionId, SessionManager } from '@sessionkit/core';
import { endpoints } from '@sessionkit/test-servers';
import { openTestStore } from '@sessionkit/test-stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreServer } from '../src/index.js';
import { ATTR, METRICS } from '../src/index.js';
import { count, everyReportedString, testTelemetry, total } from './harness.js';

const BACKENDS = ['redis', 'memcached', 'cassandra', 'dynamodb', 'hazelcast'] as const;
type Backend = (typeof BACKENDS)[number];
const MINUTE = 60_000;

/** The test server of `backend`, as `server.address`/`server.port`. */
function serverOf(backend: Backend): StoreServer {
  const spec = {
    redis: endpoints.redis.url,
    memcached: endpoints.memcached.servers[0]!,
    cassandra: endpoints.cassandra.contactPoints[0]!,
    dynamodb: endpoints.dynamodb.endpoint,
    hazelcast: endpoints.hazelcast.members[0]!,
  }[backend];
  const url = new URL(spec.includes('://') ? spec : `tcp://${spec}`);
  return url.port ? { address: url.hostname, port: Number(url.port) } : { address: url.hostname };
}

describe.each(BACKENDS)('%s', (backend) => {
  const t = testTelemetry();
  const logged: unknown[] = [];
  const logger: SessionLogger = { warn: (object) => logged.push(object), error: (object) => logged.push(object) };
  const ids: string[] = [];
  let raw: SessionStore;
  let store: SessionStore;
  let managers: [SessionManager, SessionManager];

  beforeAll(async () => {
    raw = await openTestStore(backend, { prefix: `otel-${backend}-${Date.now()}:` });
    store = t.telemetry.instrumentStore(raw, serverOf(backend));
    const options = { store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE, logger };
    // Two managers on one store: two processes of one app, so their commits race with compare-and-set.
    managers = [new SessionManager({ ...options, touchAfter: 0 }), new SessionManager(options)];
    for (const manager of managers) t.telemetry.observeManager(manager);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('keeps the name and capabilities of the store it wraps', () => {
    expect(store.name).toBe(raw.name);
    expect(store.capabilities).toBe(raw.capabilities);
    expect(typeof store.scan).toBe(typeof raw.scan);
  });

  it('reports operations, outcomes, conflicts, retries, lifecycle and touches', async () => {
    const [first, second] = managers;
    const session = first.create();
    ids.push(session.id);
    session.set('cart', ['book']);
    await first.commit(session);

    // A lost compare-and-set: both load version 1, both write; the loser reloads, merges and writes again.
    const [a, b] = await Promise.all([first.load(session.id), second.load(session.id)]);
    a!.set('x', 1);
    b!.set('y', 2);
    await Promise.all([first.commit(a!), second.commit(b!)]);
    const merged = await first.load(session.id, { consistency: 'strong' });
    expect(merged!.toJSON()).toMatchObject({ cart: ['book'], x: 1, y: 2 });

    // Touches: written by the manager with touchAfter 0, throttled by the other.
    await sleep(5);
    await first.commit(merged!);
    await second.commit((await second.load(session.id))!);

    const unknown = generateSessionId();
    ids.push(unknown);
    expect(await first.load(unknown)).toBeNull();

    const renewed = await first.regenerate((await first.load(session.id))!, { userId: 'alice' });
    ids.push(renewed.id);
    expect(await first.destroy(renewed)).toBe(true);
    expect(await first.load(renewed.id)).toBeNull();

    const metrics = await t.metrics();
    const op = (operation: string, outcome: string) =>
      count(metrics, METRICS.storeDuration, {
        [ATTR.dbSystem]: backend,
        [ATTR.dbOperation]: operation,
        [ATTR.outcome]: outcome,
      });
    expect(op('create', 'ok')).toBeGreaterThanOrEqual(2);
    expect(op('get', 'ok')).toBeGreaterThanOrEqual(4);
    expect(op('get', 'miss')).toBeGreaterThanOrEqual(2);
    expect(op('update', 'ok')).toBeGreaterThanOrEqual(2);
    expect(op('update', 'conflict')).toBeGreaterThanOrEqual(1);
    expect(op('touch', 'ok')).toBe(1);
    expect(op('delete', 'ok')).toBe(2);
    expect(count(metrics, METRICS.payloadSize, { [ATTR.dbSystem]: backend, [ATTR.dbOperation]: 'update' })).toBe(
      op('update', 'ok') + op('update', 'conflict'),
    );
    expect(total(metrics, METRICS.conflicts, { [ATTR.resolution]: 'merged' })).toBeGreaterThanOrEqual(1);
    expect(total(metrics, METRICS.commitRetries, { [ATTR.operation]: 'commit' })).toBeGreaterThanOrEqual(1);
    expect(total(metrics, METRICS.lifecycle, { [ATTR.event]: 'created' })).toBe(2);
    expect(total(metrics, METRICS.lifecycle, { [ATTR.event]: 'regenerated' })).toBe(1);
    expect(total(metrics, METRICS.lifecycle, { [ATTR.event]: 'destroyed' })).toBe(1);
    expect(total(metrics, METRICS.touches, { [ATTR.touch]: 'written' })).toBe(1);
    expect(total(metrics, METRICS.touches, { [ATTR.touch]: 'throttled' })).toBe(1);

    const spans = t.spans();
    expect(spans.length).toBeGreaterThanOrEqual(12);
    const server = serverOf(backend);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.name).toBe(`${span.attributes[ATTR.dbOperation]} ${backend}`);
      expect(span.attributes).toMatchObject({ [ATTR.dbSystem]: backend, [ATTR.serverAddress]: server.address });
      expect(span.attributes[ATTR.serverPort]).toBe(server.port);
      expect(span.attributes[ATTR.outcome]).toMatch(/^(ok|miss|conflict)$/);
      expect(span.attributes[ATTR.keyPrefix]).toBeUndefined();
    }
    expect(spans.some((span) => span.attributes[ATTR.outcome] === 'conflict')).toBe(true);
  });

  it('never reports a raw session ID: every attribute, metric label and log line is scanned', async () => {
    expect(ids.length).toBe(3);
    const reported = [...everyReportedString(await t.metrics(), t.spans()), JSON.stringify(logged)];
    for (const id of ids) {
      expect(reported.filter((value) => value.includes(id))).toEqual([]);
    }
  });
});
