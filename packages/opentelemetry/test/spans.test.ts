/**
 * Store spans in context: they nest under the active span (an HTTP request's, here a hand-made parent) through
 * the async-hooks context manager, and carry a hashed-key prefix only when it is opted in.
 */
import { trace } from '@opentelemetry/api';
import { MemoryStore, SessionManager } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { ATTR, SessionTelemetry } from '../src/index.js';
import { everyReportedString, testTelemetry, useAsyncHooksContext } from './harness.js';

const MINUTE = 60_000;

describe('store spans', () => {
  useAsyncHooksContext();

  it('nest under the active span, across awaits', async () => {
    const t = testTelemetry();
    const store = t.telemetry.instrumentStore(new MemoryStore());
    const manager = new SessionManager({ store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE });
    const tracer = t.tracerProvider.getTracer('test');
    const parentId = await tracer.startActiveSpan('GET /cart', async (parent) => {
      const session = manager.create();
      session.set('cart', []);
      await manager.commit(session);
      await manager.load(session.id);
      parent.end();
      return parent.spanContext();
    });
    const spans = t.spans().filter((span) => span.name !== 'GET /cart');
    expect(spans.map((span) => span.name)).toEqual(['create memory', 'get memory']);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(parentId.spanId);
      expect(span.spanContext().traceId).toBe(parentId.traceId);
    }
    // Outside any span: a root span of its own.
    await manager.load(manager.create().id);
    expect(t.spans().at(-1)!.parentSpanContext).toBeUndefined();
  });

  it('with managerTracer: load, commit and regenerate spans under the request span, store spans under them', async () => {
    const t = testTelemetry();
    const store = t.telemetry.instrumentStore(new MemoryStore());
    const manager = new SessionManager({
      store,
      idleTimeout: 30 * MINUTE,
      absoluteTimeout: 60 * MINUTE,
      tracer: t.telemetry.managerTracer(),
    });
    const first = manager.create();
    first.set('cart', []);
    await manager.commit(first);
    const requestId = await t.tracerProvider.getTracer('test').startActiveSpan('POST /login', async (request) => {
      const session = await manager.load(first.id);
      session!.set('step', 1);
      await manager.commit(session!);
      await manager.regenerate(session!, { userId: 'alice' });
      request.end();
      return request.spanContext().spanId;
    });
    const spans = t.spans();
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const parentName = (name: string) =>
      spans.filter((span) => span.name === name).map((span) => byId.get(span.parentSpanContext?.spanId ?? '')?.name);
    const inRequest = spans.filter((span) => span.parentSpanContext?.spanId === requestId).map((span) => span.name);
    expect(inRequest).toEqual(['sessionkit.load', 'sessionkit.commit', 'sessionkit.regenerate']);
    expect(parentName('get memory')).toEqual(['sessionkit.load', 'sessionkit.regenerate']);
    expect(parentName('update memory')).toEqual(['sessionkit.commit']);
    expect(parentName('delete memory')).toEqual(['sessionkit.regenerate']);
    const commits = spans.filter((span) => span.name === 'sessionkit.commit');
    expect(commits.map((span) => span.attributes[ATTR.commitStatus])).toEqual(['created', 'updated']);
  });

  it('make the store span active for the wrapped call, so a driver span nests under it', async () => {
    const t = testTelemetry();
    const tracer = t.tracerProvider.getTracer('driver');
    const memory = new MemoryStore();
    let driverParent: string | undefined;
    const store = t.telemetry.instrumentStore(
      Object.assign(Object.create(null), {
        name: memory.name,
        capabilities: memory.capabilities,
        get: async (key: string) => {
          driverParent = trace.getActiveSpan()?.spanContext().spanId;
          tracer.startSpan('GET').end();
          return memory.get(key);
        },
      }),
    );
    await store.get('k');
    const [driver, own] = t.spans();
    expect(own!.name).toBe('get memory');
    expect(driverParent).toBe(own!.spanContext().spanId);
    expect(driver!.parentSpanContext?.spanId).toBe(own!.spanContext().spanId);
  });

  it('carry a prefix of the hashed store key only when hashedKeyPrefix is set, never the session ID', async () => {
    for (const hashedKeyPrefix of [0, 8]) {
      const t = testTelemetry({ hashedKeyPrefix });
      const store = t.telemetry.instrumentStore(new MemoryStore());
      const manager = new SessionManager({ store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE });
      const session = manager.create();
      session.set('a', 1);
      await manager.commit(session);
      const [span] = t.spans();
      expect(span!.attributes[ATTR.keyPrefix]).toBe(hashedKeyPrefix ? session.key.slice(0, 8) : undefined);
      const reported = everyReportedString(await t.metrics(), t.spans());
      expect(reported.filter((value) => value.includes(session.id))).toEqual([]);
    }
  });

  it('rejects an invalid hashedKeyPrefix', () => {
    expect(() => new SessionTelemetry({ hashedKeyPrefix: -1 })).toThrow(/hashedKeyPrefix/);
  });
});
