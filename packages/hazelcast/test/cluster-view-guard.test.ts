/**
 * The hazelcast-client defect behind guardClusterViewListener (see src/cluster-view-guard.ts), reproduced on the
 * installed client's own ClusterViewListenerService with a fake connection registry: the connection holding the
 * cluster-view listener closes while the only other registered connection has a dead writer (every write
 * rejects on `process.nextTick`), and that dead connection is only removed by an I/O event (here a timer).
 *
 * Each case runs in a worker thread, because the unguarded case never yields to the event loop again: the
 * worker is watched from this thread and terminated. If a future hazelcast-client fixes the defect, the first
 * case fails and the guard can go.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const servicePath = require.resolve('hazelcast-client/lib/listener/ClusterViewListenerService.js');
// Workers run plain JavaScript: the built guard (npm test builds every package before testing).
const guardUrl = pathToFileURL(fileURLToPath(new URL('../dist/cluster-view-guard.js', import.meta.url))).href;

/** The scenario, as a CommonJS worker script; posts `{ attempts }` once the dead connection's close ran. */
const scenario = `
const { parentPort, workerData } = require('node:worker_threads');
const { ClusterViewListenerService } = require(workerData.servicePath);
(async () => {
  const guard = workerData.guarded ? (await import(workerData.guardUrl)).guardClusterViewListener : undefined;
  const listenerConnection = { name: 'listener' };
  const deadConnection = { name: 'dead writer' };
  let deadRegistered = true;
  let attempts = 0;
  const connectionManager = {
    on() {},
    getConnectionRegistry: () => ({ getRandomConnection: () => (deadRegistered ? deadConnection : null) }),
  };
  const invocationService = {
    invocationTimeoutMillis: 120000,
    invokeUrgent() {
      attempts++;
      return new Promise((_resolve, reject) => process.nextTick(() => reject(new Error('writer closed'))));
    },
  };
  const service = new ClusterViewListenerService(
    { trace() {} }, connectionManager, {}, { onClusterConnect() {} }, invocationService);
  if (guard) guard({ clusterViewListenerService: service });
  service.listenerAddedConnection = listenerConnection;
  // The dead socket's 'close' event: I/O, so it only runs if the loop yields.
  setTimeout(() => {
    deadRegistered = false;
    parentPort.postMessage({ attempts });
  }, 5);
  service.connectionRemoved(listenerConnection);
})();
`;

/** Runs the scenario; resolves with the attempts made before the close ran, or `'starved'` after 1.5 s. */
function runScenario(guarded: boolean): Promise<{ attempts: number } | 'starved'> {
  const worker = new Worker(scenario, {
    eval: true,
    workerData: { servicePath, guardUrl, guarded },
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve('starved');
    }, 1_500);
    worker.once('message', (message: { attempts: number }) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', (error: Error & { code?: string }) => {
      clearTimeout(timer);
      // Out of memory before the watchdog fired is the same starvation, reached sooner.
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') resolve('starved');
      else reject(error);
    });
  });
}

describe('cluster-view listener re-registration onto a connection whose writer died', () => {
  it('without the guard, the installed client loops on process.nextTick and never lets the close event run', async () => {
    expect(await runScenario(false)).toBe('starved');
  });

  it('with the guard, each attempt waits for the next loop turn: the close runs and the attempts stop', async () => {
    const result = await runScenario(true);
    expect(result).not.toBe('starved');
    // One attempt per loop turn until the 5 ms timer: a handful, not millions.
    expect((result as { attempts: number }).attempts).toBeGreaterThan(0);
    expect((result as { attempts: number }).attempts).toBeLessThan(10_000);
  });
});
