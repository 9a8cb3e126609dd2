/**
 * Memcached's native TTL (`exptime`) from SessionKit deadlines (epoch ms), on core's TTL family. How a TTL is
 * rounded, and why, is explained once in core (`packages/core/src/ttl.ts`); this file keeps only memcached's
 * own rules.
 *
 * @module
 */
import { epochSecondsAtOrAfter, ttlSeconds } from '@sessionkit/core';

/**
 * Memcached reads an exptime up to 30 days (2,592,000 s) as seconds from now, and anything larger as an
 * absolute Unix time in seconds. A relative TTL over 30 days would therefore be read as a date in January 1970
 * and the item would expire at once.
 */
export const MAX_RELATIVE_EXPTIME_SECONDS = 2_592_000;

/** Memcached expiry resolution: whole seconds (its clock, `current_time`, ticks once a second). */
export const TTL_GRANULARITY_MS = 1000;

/**
 * The exptime to send for an item that must live until `expiresAt` (epoch ms), written at `now`.
 *
 * - Relative seconds from core's {@link ttlSeconds}: never 0, which means "never expires" to memcached.
 * - Over 30 days, an absolute Unix time in seconds (see {@link MAX_RELATIVE_EXPTIME_SECONDS}), capped at the
 *   32-bit field of the binary protocol.
 */
export function toExptime(expiresAt: number, now: number): number {
  const seconds = ttlSeconds(expiresAt, now);
  if (seconds <= MAX_RELATIVE_EXPTIME_SECONDS) return seconds;
  return Math.min(0xffffffff, epochSecondsAtOrAfter(expiresAt));
}
