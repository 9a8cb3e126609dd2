/**
 * The session stores the HTTP benchmark servers share, set up once for every framework: SessionKit's
 * `SessionManager` on a `RedisSessionStore` (with or without the near cache), and connect-redis 9 on a redis 5
 * client (the store of express-session and of @fastify/session). Imported only by the server child processes.
 *
 * @module
 */
import { expiryPresets, SessionManager } from '@sessionkit/core';
import type { SessionHttpOptions } from '@sessionkit/http';
import { RedisSessionStore } from '@sessionkit/redis';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { IDLE_MS, REDIS_URL, SECRET } from './http-sides.js';
import { benchTelemetry, SERVER_TELEMETRY_MODES, type ServerTelemetryMode, TELEMETRY_ENV } from './telemetry-setup.js';

/** The telemetry mode the parent asked this server child for ({@link TELEMETRY_ENV}; `off` when unset). */
function telemetryMode(): ServerTelemetryMode {
  const mode = (process.env[TELEMETRY_ENV] ?? 'off') as ServerTelemetryMode;
  if (!SERVER_TELEMETRY_MODES.includes(mode))
    throw new Error(`${TELEMETRY_ENV}=${mode}: expected ${SERVER_TELEMETRY_MODES.join(', ')}`);
  return mode;
}

/**
 * The options every SessionKit binding takes, on a `RedisSessionStore` under `prefix` (`nearCache` for the
 * `sessionkit-near` variant, the store's defaults otherwise), with `close` for the store's connections. With
 * {@link TELEMETRY_ENV} set to `api` or `sdk` (the instrumentation-cost benchmark), the store, the manager and
 * the HTTP outcomes are instrumented as `@sessionkit/opentelemetry`'s docs wire them; `sdk-unwired` registers the
 * SDK and instruments nothing.
 */
export function sessionkitOptions(
  nearCache: boolean,
  prefix: string,
): { options: SessionHttpOptions; close: () => Promise<void> } {
  const url = new URL(REDIS_URL);
  const redis = new RedisSessionStore({
    connection: { host: url.hostname, port: Number(url.port) },
    keyPrefix: prefix,
    nearCache,
  });
  const mode = telemetryMode();
  const setup = benchTelemetry(mode === 'sdk-unwired' ? 'sdk' : mode);
  const telemetry = mode === 'sdk-unwired' ? undefined : setup.telemetry;
  const shutdown = setup.shutdown;
  const server = { address: url.hostname, port: Number(url.port) };
  const store = telemetry ? telemetry.instrumentStore(redis, server) : redis;
  const manager = new SessionManager({
    ...expiryPresets.workday,
    idleTimeout: IDLE_MS,
    store,
    ...(telemetry ? { tracer: telemetry.managerTracer() } : {}),
  });
  telemetry?.observeManager(manager);
  return {
    options: {
      manager,
      secrets: [SECRET],
      cookie: { secure: false },
      ...(telemetry ? { onOutcome: telemetry.httpOutcomes() } : {}),
    },
    close: async () => {
      await store.close();
      await shutdown();
    },
  };
}

/** A connect-redis 9 store under `prefix` on a connected redis 5 client, with `close` for the client. */
export async function connectRedisStore(prefix: string): Promise<{ store: RedisStore; close: () => Promise<void> }> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  return {
    store: new RedisStore({ client, prefix }),
    close: async () => {
      await client.quit();
    },
  };
}
