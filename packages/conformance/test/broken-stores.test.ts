// Proves the suite is honest: each deliberately broken store fails the check that guards the broken rule,
// while the correct store passes the very same check.

import type { Check, Feature } from '@sessionkit/conformance';
import {
  compareAndSet,
  concurrency,
  errors,
  expiry,
  isolation,
  rawBackend,
  roundTrip,
  runCheck,
  scanFeature,
  sessionLifecycle,
  sessionWrites,
  touchFeature,
  userIndex,
} from '@sessionkit/conformance';
import type { ScanOptions, ScanPage, StoredSession } from '@sessionkit/core';
import { MemoryStore } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import type { Bug } from './fixtures/sim-store.js';
import { SimBackend, SimStore, simRawRead } from './fixtures/sim-store.js';

function check(feature: Feature, id: string): Check {
  const found = feature.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${feature.id}.${id}`);
  return found;
}

function harness(bugs: Bug[]) {
  // 200 ms TTL units: the native purge lags expiresAt, as on coarse-TTL backends.
  const backend = new SimBackend(200);
  return {
    create: ({ prefix }: { prefix: string }) => new SimStore(backend, { prefix, bugs }),
    rawRead: simRawRead(backend),
  };
}

const cases: [Bug, Feature, string, RegExp][] = [
  ['touch-resurrects', touchFeature, 'no-resurrect-deleted', /touch after delete/],
  ['touch-resurrects', touchFeature, 'no-resurrect-expired', /touch after expiresAt/],
  ['touch-read-modify-write', concurrency, 'touch-racing-update', /data after update racing touches|version/],
  ['update-ignores-version', compareAndSet, 'mismatch', /stale expectedVersion/],
  ['update-ignores-version', concurrency, 'one-winner-per-version', /winners of version/],
  ['non-atomic-update', concurrency, 'one-winner-per-version', /winners of version/],
  ['non-atomic-update', concurrency, 'delete-racing-writes', /expected null/],
  ['non-atomic-create', concurrency, 'one-create-wins', /winners among/],
  ['returns-expired', expiry, 'hidden-after-deadline', /expected null .*after expiresAt/],
  ['returns-expired', expiry, 'expired-is-absent', /update of an expired record/],
  ['writes-before-size-check', errors, 'too-large-create', /after an oversized create/],
  ['untyped-errors', errors, 'closed', /expected a SessionKitError/],
  ['stale-index-on-delete', userIndex, 'follows-writes', /expected/],
  ['lists-expired', userIndex, 'expired-drop-out', /listByUser after one session expired/],
  ['keeps-input-buffer', roundTrip, 'input-copied', /data after mutating the create input/],
  ['no-native-ttl', rawBackend, 'present-with-ttl', /native TTL/],
  ['no-native-ttl', rawBackend, 'native-purge', /raw key present two granularity units after expiresAt/],
  ['ignores-prefix', isolation, 'keys', /in the other prefix/],
  ['ignores-prefix', rawBackend, 'present-with-ttl', /raw key present after create/],
  // Session level: the same store bugs, seen through a SessionManager.
  ['update-ignores-version', sessionWrites, 'disjoint-commits', /key k\d/],
  ['update-ignores-version', sessionWrites, 'atomic-update', /expected \d+ to be \d+/],
  ['touch-resurrects', sessionWrites, 'destroyed-not-recreated', /due touch of a destroyed session/],
  ['returns-expired', sessionLifecycle, 'absolute-timeout', /stored record after createdAt \+ absoluteTimeout/],
];

describe.concurrent('the suite catches broken stores', () => {
  for (const [bug, feature, id, message] of cases) {
    test(`${bug}: fails ${feature.id}.${id}`, async () => {
      await expect(runCheck(check(feature, id), harness([bug]))).rejects.toThrow(message);
    });
    test(`${bug}: the correct store passes ${feature.id}.${id}`, async () => {
      await expect(runCheck(check(feature, id), harness([]))).resolves.toBeUndefined();
    });
  }
});

type ScanBug = 'repeats' | 'stops-early' | 'lists-deleted';

/** A MemoryStore whose scan has one bug (the store is otherwise correct). */
class BrokenScanStore extends MemoryStore {
  readonly #bug: ScanBug | undefined;
  readonly #created = new Map<string, StoredSession>();

  constructor(bug: ScanBug | undefined) {
    super();
    this.#bug = bug;
  }

  override async create(key: string, session: StoredSession): Promise<boolean> {
    this.#created.set(key, session);
    return super.create(key, session);
  }

  override async scan(options?: ScanOptions): Promise<ScanPage> {
    const page = await super.scan(options);
    switch (this.#bug) {
      case 'repeats':
        return { ...page, entries: [...page.entries, ...page.entries.slice(0, 1)] };
      case 'stops-early':
        return { ...page, cursor: undefined };
      case 'lists-deleted':
        // Lists every record ever created, live or not, on the last page.
        if (page.cursor !== undefined) return page;
        return { ...page, entries: [...this.#created].map(([key, session]) => ({ key, session })) };
      default:
        return page;
    }
  }
}

const scanCases: [ScanBug, string, RegExp][] = [
  ['repeats', 'lists-each-once', /records listed by a full scan/],
  ['stops-early', 'lists-each-once', /records listed by a full scan/],
  ['lists-deleted', 'skips-dead', /times listed/],
];

describe.concurrent('the suite catches broken scans', () => {
  for (const [bug, id, message] of scanCases) {
    test(`${bug}: fails scan.${id}`, async () => {
      await expect(runCheck(check(scanFeature, id), { create: () => new BrokenScanStore(bug) })).rejects.toThrow(
        message,
      );
    });
    test(`${bug}: the correct store passes scan.${id}`, async () => {
      await expect(
        runCheck(check(scanFeature, id), { create: () => new BrokenScanStore(undefined) }),
      ).resolves.toBeUndefined();
    });
  }
});
