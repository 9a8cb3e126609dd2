/**
 * `@sessionkit/conformance`: the one vitest suite every SessionKit store adapter must pass.
 *
 * - {@link describeSessionStore} registers the whole store suite for a harness (factory + optional hooks).
 * - Every feature and check is exported too ({@link storeFeatures}, `expiry.checks`, `touchFeature`, ...), so a
 *   single check can be run directly with {@link runCheck} — e.g. to prove a deliberately broken store fails.
 *
 * @module
 */
export type {
  Check,
  CheckContext,
  Feature,
  FeatureId,
  SessionFeatureId,
  RawReadContext,
  RawReadHooks,
  SkipKey,
  StoreFactoryContext,
  StoreFeatureId,
  StoreHarness,
  Timings,
} from './types.js';
export {
  openCheckEnvironment,
  runCheck,
  runInContext,
  timingsFor,
  defaultTestTimeout,
  uniquePrefix,
} from './context.js';
export type { CheckEnvironment } from './context.js';
export { describeSessionStore, describeSessionManager, describeFeatures, registerFeatures, planChecks } from './describe-store.js';
export { countingStore } from './counting-store.js';
export type { CountingStore, StoreCallCounts } from './counting-store.js';
export { managerFor } from './features/session-writes.js';
export type { PlannedCheck } from './describe-store.js';
export {
  storeFeatures,
  sessionFeatures,
  allFeatures,
  sessionWrites,
  sessionLifecycle,
  encryption,
  roundTrip,
  miss,
  createIfAbsent,
  compareAndSet,
  touch as touchFeature,
  deleteFeature,
  expiry,
  concurrency,
  userIndex,
  scan as scanFeature,
  isolation,
  errors,
  rawBackend,
} from './features/index.js';
export {
  record,
  randomData,
  allByteValues,
  assertSameBytes,
  assertStoreError,
  mustGet,
  mustMiss,
  sleepUntil,
} from './helpers.js';
export type { RecordOptions } from './helpers.js';
