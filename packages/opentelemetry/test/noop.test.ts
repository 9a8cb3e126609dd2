/**
 * Without an SDK registered, the global providers are the API's no-ops: everything works and nothing is kept,
 * and the wrappers skip their own work. A tracer SDK registered globally later is used from then on.
 */
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MemoryStore, SessionManager } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { SessionTelemetry } from '../src/index.js';

function managerOn(telemetry: SessionTelemetry) {
  const store = telemetry.instrumentStore(new MemoryStore());
  const manager = new SessionManager({
    store,
    idleTimeout: 60_000,
    absoluteTimeout: 3_600_000,
    tracer: telemetry.managerTracer(),
  });
  return { store, manager };
}

describe('with no SDK registered', () => {
  it('instrumented stores, manager spans, counters and HTTP outcomes are no-ops that change nothing', async () => {
    const telemetry = new SessionTelemetry();
    const { store, manager } = managerOn(telemetry);
    const stop = telemetry.observeManager(manager);
    const session = manager.create();
    session.set('cart', ['book']);
    expect(await manager.commit(session)).toEqual({ status: 'created' });
    expect((await manager.load(session.id))?.get('cart')).toEqual(['book']);
    expect(await store.get('absent')).toBeNull();
    await expect(
      store.update('absent', { data: new Uint8Array(1), version: 2, expiresAt: Date.now() + 1000 }, 1),
    ).resolves.toBe(false);
    telemetry.httpOutcomes()('loaded');
    stop();
  });

  it('a tracer SDK registered globally after the telemetry was made gets the store and manager spans', async () => {
    const telemetry = new SessionTelemetry();
    const { manager } = managerOn(telemetry);
    const before = manager.create();
    before.set('n', 1);
    await manager.commit(before);

    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect((await manager.load(before.id))?.get('n')).toBe(1);
      const names = exporter.getFinishedSpans().map((span) => span.name);
      expect(names).toContain('sessionkit.load');
      expect(names).toContain('get memory');
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });
});
