/**
 * `@sessionkit/conformance`: the one vitest suite every SessionKit store adapter must pass.
 *
 * - {@link describeSessionStore} registers the whole store suite for a harness (factory + optional hooks).
 * - Every feature and check is exported too ({@link storeFeatures}, `expiry.checks`, `touchFeature`, ...), so a
 *   single check can be run directly with {@link runCheck} — e.g. to prove a deliberately broken store fails.
 *
 * @module
 */

export type { CheckEnvironment } from './context.js';
export {
  defaultTestTimeout,
  openCheckEnvironment,
  runCheck,
  runInContext,
  timingsFor,
  uniquePrefix,
} from './context.js';
export type { CountingStore, StoreCallCounts } from './counting-store.js';
export { countingStore } from './counting-store.js';
export type { PlannedCheck } from './describe-store.js';
export {
  describeFeatures,
  describeSessionManager,
  describeSessionStore,
  planChecks,
  registerFeatures,
} from './describe-store.js';
export {
  allFeatures,
  compareAndSet,
  concurrency,
  createIfAbsent,
  deleteFeature,
  encryption,
  errors,
  expiry,
  isolation,
  miss,
  rawBackend,
  roundTrip,
  scan as scanFeature,
  sessionFeatures,
  sessionLifecycle,
  sessionWrites,
  storeFeatures,
  touch as touchFeature,
  userIndex,
} from './features/index.js';
export type { ScanWalk } from './features/scan.js';
export { expectOnceEach, scanAll } from './features/scan.js';
export { managerFor } from './features/session-writes.js';
export type { RecordOptions } from './helpers.js';
export {
  allByteValues,
  assertSameBytes,
  assertStoreError,
  mustGet,
  mustMiss,
  randomData,
  record,
  sleepUntil,
} from './helpers.js';
export type {
  Check,
  CheckContext,
  Feature,
  FeatureId,
  RawReadContext,
  RawReadHooks,
  SessionFeatureId,
  SkipKey,
  StoreFactoryContext,
  StoreFeatureId,
  StoreHarness,
  Timings,
} from './types.js';
