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
import { isolation } from './isolation.js';
import { errors } from './errors.js';
import { rawBackend } from './raw-backend.js';

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
  isolation,
  errors,
  rawBackend,
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
  isolation,
  errors,
  rawBackend,
];
