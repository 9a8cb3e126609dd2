/**
 * Starts one shop instance: opens the store, hashes the demo passwords, listens, and shuts down cleanly on
 * SIGINT/SIGTERM (stop accepting, finish requests, close the store).
 *
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionStore } from '@sessionkit/core';
import { expiryPresets, SessionManager } from '@sessionkit/core';
import { describeStore, openStore } from '@sessionkit/store-url';
import { createShopApp } from './app.js';
import type { ShopConfig } from './config.js';
import type { ShopSession } from './shop-session.js';
import { SHOP_CONFLICT_POLICIES } from './shop-session.js';
import { ShopTelemetry } from './telemetry.js';
import { DEMO_ACCOUNTS, UserDirectory } from './users.js';

/** A running shop instance. */
export interface RunningShop {
  server: Server;
  /** The opened store itself. */
  store: SessionStore;
  /** `http://host:port/`. */
  url: string;
  /** The metrics behind `/metrics` when `operatorEndpoints` is on; the manager then uses `store` instrumented. */
  telemetry: ShopTelemetry | undefined;
  /** Stops listening, waits for open requests, closes the store and the telemetry. */
  close(): Promise<void>;
}

/** Opens the configured store and serves the shop. */
export async function startShop(config: ShopConfig): Promise<RunningShop> {
  const [opened, users] = await Promise.all([openStore(config.store), UserDirectory.create(DEMO_ACCOUNTS)]);
  const telemetry = config.operatorEndpoints ? new ShopTelemetry() : undefined;
  const instrumented = telemetry ? telemetry.instrumentStore(opened, config.store) : opened;
  const manager = new SessionManager<ShopSession>({
    ...expiryPresets.nistAal2,
    store: instrumented,
    conflicts: SHOP_CONFLICT_POLICIES,
  });
  telemetry?.observeManager(manager);
  // Store errors carry hashed store keys at most, never raw session IDs.
  manager.on('storeError', ({ operation, error }) =>
    console.error(`[${config.instance}] session store ${operation} failed: ${error.message}`),
  );
  const app = createShopApp({
    manager,
    secrets: config.secrets,
    secureCookie: config.secureCookie,
    users,
    instance: config.instance,
    storeLabel: describeStore(config.store),
    demoUsers: DEMO_ACCOUNTS.map((a) => a.username),
    ...(telemetry ? { operator: { telemetry, peers: config.operatorPeers } } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  server.keepAliveTimeout = 5_000;
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    store: opened,
    telemetry,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })
        .then(() => opened.close())
        .then(() => telemetry?.shutdown());
      return closing;
    },
  };
}
