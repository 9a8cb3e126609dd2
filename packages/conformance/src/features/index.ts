/**
 * All store-level features, in report order.
 *
 * @module
 */
import type { Feature } from '../types.js';
import { compareAndSet } from './compare-and-set.js';
import { concurrency } from './concurrency.js';
import { createIfAbsent } from './create-if-absent.js';
import { deleteFeature } from './delete.js';
import { encryption } from './encryption.js';
import { errors } from './errors.js';
import { expiry } from './expiry.js';
import { isolation } from './isolation.js';
import { miss } from './miss.js';
import { rawBackend } from './raw-backend.js';
import { roundTrip } from './round-trip.js';
import { scan } from './scan.js';
import { sessionLifecycle } from './session-lifecycle.js';
import { sessionWrites } from './session-writes.js';
import { touch } from './touch.js';
import { userIndex } from './user-index.js';

export {
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
  scan,
  sessionLifecycle,
  sessionWrites,
  touch,
  userIndex,
};

/** Every store feature, in the order {@link describeSessionStore} reports them. */
export const storeFeatures: readonly Feature[] = [
  roundTrip,
  miss,
  createIfAbsent,
  compareAndSet,
  touch,
  deleteFeature,
  expiry,
  concurrency,
  userIndex,
  scan,
  isolation,
  errors,
  rawBackend,
];

/** The session-level features: a SessionManager running on the store under test. */
export const sessionFeatures: readonly Feature[] = [sessionWrites, sessionLifecycle, encryption];

/** Every feature {@link describeSessionStore} runs: the store features, then the session features. */
export const allFeatures: readonly Feature[] = [...storeFeatures, ...sessionFeatures];
