/**
 * The control-connection refresh guard (`src/control-connection-guard.ts`): on a stand-in for the driver's
 * internal ControlConnection, refreshes run one at a time, one asked for meanwhile runs once after, a refresh
 * that throws is retried instead of rejecting into the void, and the driver's retry within a refresh passes
 * through; on a real client, the store installs it and the client keeps serving.
 */
import type cassandra from 'cassandra-driver';
import { afterEach, describe, expect, it } from 'vitest';
import { guardControlConnectionRefresh } from '../src/control-connection-guard.js';
import { ensureSchema, newClient, openStore } from './helpers.js';

/** A client whose control connection's `_refresh` is `refresh`. */
function fakeClient(refresh: (hostIterator?: unknown) => Promise<void>) {
  const controlConnection = { _refresh: refresh, _isShuttingDown: false };
  return { client: { controlConnection } as unknown as cassandra.Client, controlConnection };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('guardControlConnectionRefresh', () => {
  let shutdown: (() => void) | undefined;
  afterEach(() => shutdown?.());

  it('runs refreshes one at a time; one asked for while another runs runs once, after it', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const { client, controlConnection } = fakeClient(async () => {
      active++;
      runs++;
      maxActive = Math.max(maxActive, active);
      await tick(20);
      active--;
    });
    shutdown = () => {
      controlConnection._isShuttingDown = true;
    };
    guardControlConnectionRefresh(client, 10);
    // The driver's triggers: the reconnection timer, and the 'down' and 'socketClose' listeners.
    const first = controlConnection._refresh();
    void controlConnection._refresh();
    void controlConnection._refresh();
    await first;
    await tick(60);
    expect(maxActive).toBe(1);
    expect(runs).toBe(2); // the first, then one for the two asked meanwhile
  });

  it('retries a refresh that threw (the TypeError of the race) instead of rejecting unhandled', async () => {
    let runs = 0;
    const { client, controlConnection } = fakeClient(async () => {
      runs++;
      if (runs === 1) throw new TypeError("Cannot read properties of null (reading 'once')");
    });
    shutdown = () => {
      controlConnection._isShuttingDown = true;
    };
    guardControlConnectionRefresh(client, 10);
    await expect(controlConnection._refresh()).resolves.toBeUndefined();
    await tick(50);
    expect(runs).toBe(2);
  });

  it("passes the driver's retry within one refresh (a call with a host iterator) straight through", async () => {
    const seen: unknown[] = [];
    const { client, controlConnection } = fakeClient(async (hostIterator) => {
      seen.push(hostIterator);
      if (hostIterator === undefined) await controlConnection._refresh('same plan');
    });
    guardControlConnectionRefresh(client, 10);
    await controlConnection._refresh();
    expect(seen).toEqual([undefined, 'same plan']);
  });

  it('is installed on the client the store creates, which then connects and serves', async () => {
    await ensureSchema();
    const store = openStore();
    try {
      const refresh = (store.client as unknown as { controlConnection: { _refresh: { name: string } } })
        .controlConnection._refresh;
      expect(refresh.name).toBe('serialized');
      await store.connect();
      expect(await store.get('no-such-key')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it("leaves a client passed in as it is (it is the application's)", async () => {
    const client = newClient();
    const own = (client as unknown as { controlConnection: { _refresh: unknown } }).controlConnection._refresh;
    const store = openStore({ client });
    expect((client as unknown as { controlConnection: { _refresh: unknown } }).controlConnection._refresh).toBe(own);
    await store.close();
    await client.shutdown();
  });
});
