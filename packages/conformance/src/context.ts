/**
 * The environment checks run in: one store opened from the harness, per-check contexts that remember what
 * they wrote so it can be cleaned up, and the timings derived from the store's TTL granularity.
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SessionStore, StoreCapabilities } from '@sessionkit/core';
import { generateSessionId, hashSessionId } from '@sessionkit/core';
import type { Check, CheckContext, StoreHarness, Timings } from './types.js';

/** A prefix unique to one store instance. */
export function uniquePrefix(): string {
  return `skc-${randomBytes(6).toString('hex')}:`;
}

/** Derives the suite's TTLs and waits from a TTL granularity and a time scale (see {@link Timings}). */
export function timingsFor(granularityMs: number, timeScale = 1): Timings {
  const g = Math.max(1, granularityMs);
  return {
    granularityMs: g,
    shortTtlMs: Math.ceil(Math.max(100, 1.2 * g) * timeScale),
    nearTtlMs: Math.ceil(Math.max(50, 0.3 * g) * timeScale),
    slackMs: Math.ceil(Math.max(25, 0.05 * g) * timeScale),
    longTtlMs: 10 * 60_000,
    rawToleranceMs: Math.ceil(250 * timeScale),
  };
}

/** The default per-test timeout for these timings: at least 15 s, or 12 short TTLs. */
export function defaultTestTimeout(timings: Timings): number {
  return Math.max(15_000, 12 * timings.shortTtlMs);
}

/** One store opened from a harness, shared by many checks. Create with {@link openCheckEnvironment}. */
export interface CheckEnvironment<S extends SessionStore = SessionStore> {
  /** The store under test. */
  readonly store: S;
  /** Its prefix. */
  readonly prefix: string;
  /** Its capabilities, read once when it was opened. */
  readonly capabilities: StoreCapabilities;
  /** The timings derived from them. */
  readonly timings: Timings;
  /** A fresh context for one check. Call its `cleanup()` afterwards. */
  context(): CheckContext<S>;
  /** Closes the store. */
  close(): Promise<void>;
}

/**
 * Opens a store from `harness` (with a fresh prefix) and returns an environment to run checks against.
 * Use it to run single checks outside {@link describeSessionStore}, e.g. to prove a broken store fails one.
 */
export async function openCheckEnvironment<S extends SessionStore>(
  harness: StoreHarness<S>,
): Promise<CheckEnvironment<S>> {
  const prefix = uniquePrefix();
  const store = await harness.create({ prefix });
  const capabilities = { ...store.capabilities };
  const timings = timingsFor(capabilities.ttlGranularityMs, harness.timeScale ?? 1);
  const concurrency = harness.concurrency ?? 50;
  return {
    store,
    prefix,
    capabilities,
    timings,
    context: () => createContext(harness, store, prefix, capabilities, timings, concurrency),
    close: () => store.close(),
  };
}

/**
 * Runs one check against a fresh store from `harness`: opens it, runs the check, cleans up and closes,
 * and rejects exactly when the check fails.
 */
export async function runCheck<S extends SessionStore>(check: Check, harness: StoreHarness<S>): Promise<void> {
  const env = await openCheckEnvironment(harness);
  try {
    await runInContext(check, env.context());
  } finally {
    await env.close();
  }
}

/**
 * Runs `check` in `context`, then cleans up. A failing check is reported as such even if cleanup fails too;
 * a cleanup failure after a passing check fails the run.
 */
export async function runInContext(check: Check, context: CheckContext): Promise<void> {
  try {
    await check.run(context);
  } catch (error) {
    await context.cleanup().catch(() => {});
    throw error;
  }
  await context.cleanup();
}

function createContext<S extends SessionStore>(
  harness: StoreHarness<S>,
  store: S,
  prefix: string,
  capabilities: StoreCapabilities,
  timings: Timings,
  concurrency: number,
): CheckContext<S> {
  const keys = new Set<string>();
  const users = new Set<string>();
  const extraStores: S[] = [];
  return {
    store,
    prefix,
    capabilities,
    timings,
    concurrency,
    rawRead: harness.rawRead,
    key() {
      const key = hashSessionId(generateSessionId());
      keys.add(key);
      return key;
    },
    track(key) {
      keys.add(key);
      return key;
    },
    userId() {
      const id = `skc-user-${randomUUID()}`;
      users.add(id);
      return id;
    },
    async openStore(storePrefix = uniquePrefix()) {
      const extra = await harness.create({ prefix: storePrefix });
      extraStores.push(extra);
      return extra;
    },
    async cleanup() {
      const errors: unknown[] = [];
      // The main store must clean up without errors; extra stores are best effort (a check may have closed
      // them on purpose, and their prefixes are never reused).
      const attempt = async (fn: () => Promise<unknown>, strict: boolean) => {
        try {
          await fn();
        } catch (error) {
          if (strict) errors.push(error);
        }
      };
      for (const key of keys) await attempt(() => store.delete(key), true);
      if (capabilities.userIndex) for (const user of users) await attempt(() => store.deleteByUser(user), true);
      for (const extra of extraStores) {
        for (const key of keys) await attempt(() => extra.delete(key), false);
        if (capabilities.userIndex) for (const user of users) await attempt(() => extra.deleteByUser(user), false);
        await attempt(() => extra.close(), false);
      }
      keys.clear();
      users.clear();
      extraStores.length = 0;
      if (errors.length > 0) throw new AggregateError(errors, 'conformance cleanup failed');
    },
  };
}
