/**
 * Without an SDK registered, the global providers are the API's no-ops: everything works and nothing is kept.
 */
import { MemoryStore, SessionManager } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { SessionTelemetry } from '../src/index.js';

describe('with no SDK registered', () => {
  it('instrumented stores, manager spans, counters and HTTP outcomes are no-ops that change nothing', async () => {
    const telemetry = new SessionTelemetry();
    const store = telemetry.instrumentStore(new MemoryStore());
    const manager = new SessionManager({
      store,
      idleTimeout: 60_000,
      absoluteTimeout: 3_600_000,
      tracer: telemetry.managerTracer(),
    });
    const stop = telemetry.observeManager(manager);
    const session = manager.create();
    session.set('cart', ['book']);
    expect(await manager.commit(session)).toEqual({ status: 'created' });
    expect((await manager.load(session.id))?.get('cart')).toEqual(['book']);
    expect(await store.get('absent')).toBeNull();
    telemetry.httpOutcomes()('loaded');
    stop();
  });
});
