/**
 * `describeSessionStore`: registers the whole store suite with vitest.
 *
 * @module
 */

import type { SessionStore, StoreCapabilities } from '@sessionkit/core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { CheckEnvironment } from './context.js';
import { defaultTestTimeout, openCheckEnvironment, runInContext, timingsFor, uniquePrefix } from './context.js';
import { allFeatures, sessionFeatures } from './features/index.js';
import type { Check, Feature, StoreHarness } from './types.js';

/** One entry of a suite plan: a check and, if it will not run, why. */
export interface PlannedCheck {
  /** `"<feature>.<check>"`. */
  readonly id: string;
  /** The feature it belongs to. */
  readonly feature: Feature<string>;
  /** The check. */
  readonly check: Check;
  /** Why it is skipped (harness skip, capability, untestable), or `undefined` if it runs. */
  readonly skipReason: string | undefined;
}

/**
 * Decides which checks run against a store with `capabilities` under `harness`, and why the others do not.
 * Throws if `harness.skip` names a feature or check that is in neither `features` nor the suite's own
 * {@link allFeatures} (so one harness can serve {@link describeSessionStore} and {@link describeSessionManager}),
 * or gives an empty reason.
 */
export function planChecks(
  features: readonly Feature<string>[],
  capabilities: StoreCapabilities,
  harness: StoreHarness<SessionStore>,
): PlannedCheck[] {
  const skips: Record<string, string | undefined> = { ...harness.skip };
  const known = new Set<string>();
  for (const f of [...allFeatures, ...features]) {
    known.add(f.id);
    for (const c of f.checks) known.add(`${f.id}.${c.id}`);
  }
  for (const [id, reason] of Object.entries(skips)) {
    if (!known.has(id)) {
      throw new Error(`conformance: unknown skip key "${id}". Known keys: ${[...known].join(', ')}`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(`conformance: skip "${id}" needs a reason (a non-empty string)`);
    }
  }
  const plan: PlannedCheck[] = [];
  for (const feature of features) {
    const featureReason = skips[feature.id] ?? feature.applies?.(capabilities, harness);
    for (const check of feature.checks) {
      const id = `${feature.id}.${check.id}`;
      const skipReason = featureReason ?? skips[id] ?? check.applies?.(capabilities, harness) ?? check.untestable;
      plan.push({ id, feature, check, skipReason });
    }
  }
  return plan;
}

/**
 * Registers the whole conformance suite under `describe(name)`: one nested `describe` per feature — the store
 * features (`round trip`, `miss is null`, ..., `raw backend`) and then the session features (a
 * `SessionManager` running on the store) — one test per check. Skipped checks stay in the report, their
 * reason in the test name.
 *
 * The harness factory is called once while the suite is collected to read `capabilities` (that store is
 * closed at once), once for the main store shared by all checks, and again for checks that need more stores.
 *
 * @example
 * ```ts
 * import { describeSessionStore } from '@sessionkit/conformance';
 * import { MemoryStore } from '@sessionkit/core';
 *
 * describeSessionStore('memory', { create: () => new MemoryStore() });
 * ```
 */
export function describeSessionStore<S extends SessionStore>(name: string, harness: StoreHarness<S>): void {
  describeFeatures(name, allFeatures, harness);
}

/**
 * Registers only the session-level features (`session writes`, `session lifecycle`, `encryption`): a
 * `SessionManager` running on the store from `harness`. {@link describeSessionStore} already includes them;
 * use this for a store that wraps another (e.g. a tiered store) when the store-level suite runs elsewhere.
 */
export function describeSessionManager<S extends SessionStore>(name: string, harness: StoreHarness<S>): void {
  describeFeatures(name, sessionFeatures, harness);
}

/**
 * Registers `features` under `describe(name)`, reading the store's capabilities from one probe store first
 * (created while the suite is collected and closed at once).
 */
export function describeFeatures<S extends SessionStore>(
  name: string,
  features: readonly Feature<string>[],
  harness: StoreHarness<S>,
): void {
  describe(name, async () => {
    const probe = await harness.create({ prefix: uniquePrefix() });
    const capabilities = { ...probe.capabilities };
    await probe.close();
    registerFeatures(features, capabilities, harness);
  });
}

/**
 * Registers `features` (store-level) against the store from `harness`, inside the current `describe`.
 * Use it to run a subset, e.g. `registerFeatures([expiry], caps, harness)`, or your own features.
 */
export function registerFeatures<S extends SessionStore>(
  features: readonly Feature<string>[],
  capabilities: StoreCapabilities,
  harness: StoreHarness<S>,
): void {
  const plan = planChecks(features, capabilities, harness as StoreHarness<SessionStore>);
  const timeout =
    harness.testTimeoutMs ?? defaultTestTimeout(timingsFor(capabilities.ttlGranularityMs, harness.timeScale));
  const anyRuns = plan.some((p) => p.skipReason === undefined);
  let env: CheckEnvironment<S> | undefined;
  if (anyRuns) {
    beforeAll(async () => {
      env = await openCheckEnvironment(harness);
    }, timeout);
    afterAll(async () => {
      await env?.close();
    }, timeout);
  }
  for (const feature of features) {
    describe(feature.title, { concurrent: feature.concurrent ?? false }, () => {
      for (const { check, skipReason } of plan.filter((p) => p.feature === feature)) {
        if (skipReason !== undefined) {
          test.skip(`${check.title} [skipped: ${skipReason}]`, () => {});
          continue;
        }
        test(
          check.title,
          async () => {
            if (!env) throw new Error('conformance: the store was not opened');
            await runInContext(check, env.context());
          },
          timeout,
        );
      }
    });
  }
}
