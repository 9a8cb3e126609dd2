/**
 * All store-level features, in report order.
 *
 * @module
 */
import type { Feature } from '../types.js';
import { roundTrip } from './round-trip.js';
import { miss } from './miss.js';
import { createIfAbsent } from './create-if-absent.js';
import { compareAndSet } from './compare-and-set.js';
import { touch } from './touch.js';
import { deleteFeature } from './delete.js';
import { expiry } from './expiry.js';
import { concurrency } from './concurrency.js';
import { userIndex } from './user-index.js';
import { scan } from './scan.js';
import { isolation } from './isolation.js';
import { errors } from './errors.js';
import { rawBackend } from './raw-backend.js';
import { sessionWrites } from './session-writes.js';
import { sessionLifecycle } from './session-lifecycle.js';
import { encryption } from './encryption.js';

export {
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
  sessionWrites,
  sessionLifecycle,
  encryption,
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
