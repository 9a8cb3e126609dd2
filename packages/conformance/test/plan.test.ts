// How describeSessionStore decides what runs: skips need reasons, typos are refused, capabilities decide.

import type { StoreHarness } from '@sessionkit/conformance';
import { planChecks, storeFeatures, timingsFor } from '@sessionkit/conformance';
import type { StoreCapabilities } from '@sessionkit/core';
import { MemoryStore } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';

const caps: StoreCapabilities = { userIndex: true, ttlGranularityMs: 1, maxPayloadBytes: 1024, strongReads: false };
const harness: StoreHarness = { create: () => new MemoryStore() };
const reasonOf = (plan: ReturnType<typeof planChecks>, id: string) => plan.find((p) => p.id === id)?.skipReason;

describe('planChecks', () => {
  test('an unknown skip key is refused, naming the known ones', () => {
    expect(() =>
      planChecks(storeFeatures, caps, { ...harness, skip: { tuch: 'typo' } as StoreHarness['skip'] }),
    ).toThrow(/unknown skip key "tuch".*touch\.no-resurrect-deleted/);
  });

  test('a skip without a reason is refused', () => {
    expect(() => planChecks(storeFeatures, caps, { ...harness, skip: { expiry: ' ' } })).toThrow(/needs a reason/);
  });

  test('skips of features and single checks carry their reasons', () => {
    const plan = planChecks(storeFeatures, caps, {
      ...harness,
      skip: { expiry: 'no clock here', 'touch.extends': 'because' },
    });
    expect(reasonOf(plan, 'expiry.near-deadline')).toBe('no clock here');
    expect(reasonOf(plan, 'touch.extends')).toBe('because');
    expect(reasonOf(plan, 'touch.missing')).toBeUndefined();
  });

  test('capabilities and missing hooks decide, with stated reasons', () => {
    const plan = planChecks(storeFeatures, { ...caps, userIndex: false }, harness);
    expect(reasonOf(plan, 'user-index.lists')).toBe('capabilities.userIndex is false');
    expect(reasonOf(plan, 'isolation.users')).toBe('capabilities.userIndex is false');
    expect(reasonOf(plan, 'errors.unsupported-user-index')).toBeUndefined();
    expect(reasonOf(plan, 'raw-backend.present-with-ttl')).toBe('no rawRead hooks given in the harness');
    const withIndex = planChecks(storeFeatures, caps, harness);
    expect(reasonOf(withIndex, 'errors.unsupported-user-index')).toBe('capabilities.userIndex is true');
    expect(reasonOf(withIndex, 'user-index.scales-with-user')).toMatch(/not observable/);
    expect(reasonOf(withIndex, 'scan.lists-each-once')).toBe(
      'capabilities.scan is not true (the optional admin enumeration)',
    );
    expect(
      reasonOf(planChecks(storeFeatures, { ...caps, scan: true }, harness), 'scan.lists-each-once'),
    ).toBeUndefined();
  });

  test('every skipped check in any plan has a non-empty reason', () => {
    for (const c of [caps, { ...caps, userIndex: false }]) {
      for (const p of planChecks(storeFeatures, c, harness)) {
        if (p.skipReason !== undefined) expect(p.skipReason.trim().length).toBeGreaterThan(0);
      }
    }
  });
});

describe('timingsFor', () => {
  test('1 ms granularity gives ~100 ms TTLs; 1 s granularity gives ~1.2 s', () => {
    expect(timingsFor(1)).toMatchObject({ shortTtlMs: 100, nearTtlMs: 50, slackMs: 25 });
    expect(timingsFor(1000)).toMatchObject({ shortTtlMs: 1200, nearTtlMs: 300, slackMs: 50 });
    expect(timingsFor(1000, 2).shortTtlMs).toBe(2400);
  });
});
