/**
 * Public types of the conformance suite: what an adapter hands to {@link describeSessionStore}, and what a
 * single check receives.
 *
 * @module
 */
import type { SessionStore, StoreCapabilities } from '@sessionkit/core';

/** What the suite passes to {@link StoreHarness.create}. */
export interface StoreFactoryContext {
  /**
   * A prefix unique to this store instance (e.g. `"skc-3f9a1c2b7d4e:"`). Pass it to the adapter's own
   * `prefix` option (append it to your namespace if you have one) so that two stores with different prefixes
   * are isolated and suites can run against shared servers.
   */
  readonly prefix: string;
}

/** What the raw-read hooks receive besides the key. */
export interface RawReadContext<S extends SessionStore = SessionStore> {
  /** The prefix the store was created with (see {@link StoreFactoryContext.prefix}). */
  readonly prefix: string;
  /** The store under test (reuse its client if that is convenient). */
  readonly store: S;
}

/**
 * Optional hooks that look straight into the backend, bypassing the adapter, so the suite can check what
 * really sits there. Both receive the key exactly as the store received it (already hashed); the hook builds
 * the backend key the way the adapter documents it (typically `prefix + key`).
 */
export interface RawReadHooks<S extends SessionStore = SessionStore> {
  /** Whether the backend holds anything under this key (expired-but-unpurged entries count as present). */
  exists(key: string, context: RawReadContext<S>): Promise<boolean>;
  /**
   * The remaining native TTL of the backend entry in milliseconds, or `null` if the entry has no TTL (or is
   * absent). Backends that report seconds may return `seconds * 1000`.
   */
  ttlMs(key: string, context: RawReadContext<S>): Promise<number | null>;
}

/** The feature blocks of the store suite, one `describe` each. */
export type StoreFeatureId =
  | 'round-trip'
  | 'miss'
  | 'create-if-absent'
  | 'compare-and-set'
  | 'touch'
  | 'delete'
  | 'expiry'
  | 'concurrency'
  | 'user-index'
  | 'scan'
  | 'isolation'
  | 'errors'
  | 'raw-backend';

/** The session-level feature blocks: a {@link SessionManager} running on the store under test. */
export type SessionFeatureId = 'session-writes' | 'session-lifecycle' | 'encryption';

/** Any feature of the suite. */
export type FeatureId = StoreFeatureId | SessionFeatureId;

/** A key of {@link StoreHarness.skip}: a whole feature, or one check as `"<feature>.<check>"`. */
export type SkipKey = FeatureId | `${FeatureId}.${string}`;

/**
 * How an adapter plugs into the suite. Only `create` is required.
 *
 * @typeParam S the adapter's store type, so hooks get it without casts.
 */
export interface StoreHarness<S extends SessionStore = SessionStore> {
  /**
   * Returns a fresh store. Called once for the suite's main store, and again whenever a check needs another
   * one (isolation, `close()`), each time with a new unique prefix. The suite closes every store it creates.
   * May be async (connect, create a table...).
   */
  create(context: StoreFactoryContext): S | Promise<S>;
  /** Raw backend access for the `raw-backend` feature; without it that feature is skipped, with that reason. */
  rawRead?: RawReadHooks<S>;
  /**
   * Features or single checks that do not apply, each with the reason shown in the test name. Unknown keys
   * and empty reasons are rejected when the suite is defined, so a typo never silently disables a check.
   */
  skip?: Partial<Record<SkipKey, string>>;
  /**
   * Multiplies every TTL and wait the suite picks from `capabilities.ttlGranularityMs` (default 1). Raise it
   * for slow or remote backends whose round trips are a noticeable fraction of those waits.
   */
  timeScale?: number;
  /** How many concurrent writers the concurrency checks start on one key (default 50). */
  concurrency?: number;
  /** Per-test timeout in milliseconds (default: at least 15 s, more for coarse TTL granularity). */
  testTimeoutMs?: number;
}

/** TTLs and waits derived from the store's declared granularity and {@link StoreHarness.timeScale}. */
export interface Timings {
  /** `capabilities.ttlGranularityMs` of the store under test. */
  readonly granularityMs: number;
  /** A TTL long enough to read the record back first, short enough to wait out: `max(100, 1.2 × granularity)`. */
  readonly shortTtlMs: number;
  /** A deadline already close at create: `max(50, 0.3 × granularity)`. With 1 s granularity it rounds up. */
  readonly nearTtlMs: number;
  /** Extra wait after a deadline before asserting the record is gone: `max(25, 0.05 × granularity)`. */
  readonly slackMs: number;
  /** A TTL no test outlives (10 minutes). */
  readonly longTtlMs: number;
  /** Tolerance when comparing a native TTL read with `rawRead.ttlMs` to the expected one (250 ms, scaled). */
  readonly rawToleranceMs: number;
}

/** What every check receives: the store under test plus helpers that track what the check wrote. */
export interface CheckContext<S extends SessionStore = SessionStore> {
  /** The store under test. */
  readonly store: S;
  /** The prefix the store was created with. */
  readonly prefix: string;
  /** The store's declared capabilities (read once when the suite starts). */
  readonly capabilities: StoreCapabilities;
  /** Waits and TTLs for expiry checks. */
  readonly timings: Timings;
  /** Concurrent writers per contention check. */
  readonly concurrency: number;
  /** The harness's raw-read hooks, if any. */
  readonly rawRead: RawReadHooks<S> | undefined;
  /** A fresh random store key (`hashSessionId(generateSessionId())`), deleted again after the check. */
  key(): string;
  /** A fresh random user id; its sessions are deleted after the check (when the store has a user index). */
  userId(): string;
  /** Registers a key the check wrote some other way (e.g. through a manager) for deletion after the check. */
  track(key: string): string;
  /** Opens another store from the harness with a fresh prefix (or `prefix`); closed after the check. */
  openStore(prefix?: string): Promise<S>;
  /** Deletes what the check wrote and closes extra stores. Called by the suite after each check. */
  cleanup(): Promise<void>;
}

/** One conformance check: a named, self-contained assertion about a store. */
export interface Check {
  /** Stable id, unique within its feature (used in {@link StoreHarness.skip} as `"<feature>.<id>"`). */
  readonly id: string;
  /** What the check asserts, used as the test name. */
  readonly title: string;
  /**
   * Returns the reason the check cannot run against a store with these capabilities / this harness, or
   * `undefined` when it applies.
   */
  readonly applies?: (capabilities: StoreCapabilities, harness: StoreHarness<SessionStore>) => string | undefined;
  /** Set when the property cannot be observed from outside a store: the check is listed as skipped with this reason. */
  readonly untestable?: string;
  /** Runs the check; rejects (with an assertion error) when the store breaks the contract. */
  run(context: CheckContext): Promise<void>;
}

/** A group of checks reported under one `describe`. */
export interface Feature<Id extends string = FeatureId> {
  /** Stable id (used in {@link StoreHarness.skip}). */
  readonly id: Id;
  /** The `describe` title. */
  readonly title: string;
  /** Like {@link Check.applies}, for the whole feature. */
  readonly applies?: (capabilities: StoreCapabilities, harness: StoreHarness<SessionStore>) => string | undefined;
  /** Whether the feature's checks may run concurrently with each other (true for the slow, waiting ones). */
  readonly concurrent?: boolean;
  /** The checks, in report order. */
  readonly checks: readonly Check[];
}
