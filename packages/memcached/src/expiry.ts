/**
 * Conversion of SessionKit deadlines (epoch milliseconds) to memcached `exptime` numbers.
 *
 * @module
 */
import { ttlInUnits } from '@sessionkit/core';

/**
 * Memcached reads an exptime up to 30 days (2,592,000 s) as seconds from now, and anything larger as an
 * absolute Unix time in seconds. A relative TTL over 30 days would therefore be read as a date in January 1970
 * and the item would expire at once.
 */
export const MAX_RELATIVE_EXPTIME_SECONDS = 2_592_000;

/** Memcached expiry resolution: whole seconds. */
export const TTL_GRANULARITY_MS = 1000;

/**
 * The exptime to send for an item that must live until `expiresAt` (epoch ms).
 *
 * - Granularity is 1 s: the remaining time is rounded UP to whole seconds by core's `ttlInUnits` (at least 1;
 *   never 0, which means "never expires" to memcached).
 * - Memcached's clock (`current_time`) is a whole number of seconds advanced by a timer once per second, and
 *   an item with relative exptime T is gone at the T-th tick after it was written: between T-1 and T
 *   seconds later. So memcached drops the item within one granularity unit of `expiresAt` — up to 1 s
 *   before it, never more than 1 s after it. Reads filter by the exact `expiresAt` stored in the value, so a
 *   record is never returned after its deadline even while memcached still holds it. (A deadline less than
 *   a second away, T = 1, can therefore vanish at the very next tick; sessions do not live that short.)
 * - Over 30 days the value is sent as an absolute Unix time in seconds (rounded up), because memcached
 *   reads any exptime above 2,592,000 as a Unix timestamp (a relative 31 days would mean January 1970 and
 *   the item would expire at once).
 */
export function toExptime(expiresAt: number, now: number): number {
  const seconds = ttlInUnits(expiresAt, now, TTL_GRANULARITY_MS);
  if (seconds <= MAX_RELATIVE_EXPTIME_SECONDS) return seconds;
  return Math.min(0xffffffff, Math.ceil(expiresAt / 1000));
}
