/**
 * The native TTL Hazelcast is sent for an `expiresAt`. How TTLs are rounded in general, and why: core's
 * `ttl.ts`; only Hazelcast's own quirk is described here.
 *
 * Quirk (measured on Hazelcast 5.x members, see docs/hazelcast.md): a member keeps record times with
 * one-second resolution and expires an entry at `floor_to_second(memberNow + ttl)`. A TTL of 1500 ms set at
 * hh:mm:ss.800 therefore ends at ss+2.000 (1.2 s), and one set at ss.056 ends at ss+1.000 (0.94 s): up to a
 * second EARLY. A TTL of 0 means "no expiry" and a negative one "the map's default". So the TTL sent is
 * `ceil_to_second(expiresAt) - now` (core's `ttlToBoundaryMs`, never below 1): the member then expires the
 * entry at `ceil_to_second(expiresAt)` (its clock runs a few ms later than ours, which only moves the floor
 * later), i.e. never before `expiresAt` and less than one second after it. The read filter hides the record
 * from `expiresAt` on in between.
 *
 * @module
 */
import { ttlToBoundaryMs } from '@sessionkit/core';

/** Hazelcast's effective expiry resolution, in milliseconds. */
export const HAZELCAST_TTL_GRANULARITY_MS = 1000;

/**
 * The TTL (ms, >= 1) to send with a write so that the member expires the entry at the first whole second
 * at or after `expiresAt`. Only for `expiresAt > now`: a deadline already past is written as a removal.
 */
export function nativeTtlMs(expiresAt: number, now: number): number {
  return ttlToBoundaryMs(expiresAt, now, HAZELCAST_TTL_GRANULARITY_MS);
}
