/**
 * Native TTLs from SessionKit deadlines (`expiresAt`, epoch ms). Written once here, used by every adapter, so
 * that no backend drops a record before its deadline and none keeps it much longer.
 *
 * Backends round time in one of two ways, both measured:
 * - **The TTL is counted from a clock truncated to the unit** (Cassandra deletes at `floor(now / 1000) + ttl`
 *   seconds: `TTL 2` written at .900 is gone 1.1 s later; memcached counts against its once-a-second
 *   `current_time`). Rounding the remaining time up can then end a record up to one unit *before*
 *   `expiresAt`; {@link ttlInUnits} picks the TTL whose deletion is the first unit boundary at or after it.
 * - **The deadline itself is truncated** (a Hazelcast member expires at `floor_to_second(memberNow + ttl)`):
 *   {@link ttlToBoundaryMs} sends the time to the next whole unit, so the entry ends at that boundary.
 *
 * Either way the record outlives its deadline by less than one unit, during which every store's read filter
 * (`expiresAt <= now` reads as missing) hides it.
 *
 * @module
 */

/**
 * The native TTL, in whole units of `granularityMs`, for a deadline `expiresAt` written at `now`: at least one
 * unit, `ceil(expiresAt / g) - floor(now / g)`. With `granularityMs = 1` it is exactly `expiresAt - now`.
 */
export function ttlInUnits(expiresAt: number, now: number, granularityMs: number): number {
  return Math.max(1, Math.ceil(expiresAt / granularityMs) - Math.floor(now / granularityMs));
}

/** {@link ttlInUnits} in seconds: the TTL of a backend whose expiry clock ticks once a second. */
export function ttlSeconds(expiresAt: number, now: number): number {
  return ttlInUnits(expiresAt, now, 1000);
}

/**
 * The TTL in milliseconds (at least 1) that ends at the first `granularityMs` boundary at or after
 * `expiresAt`, for a backend that truncates the deadline `now + ttl` to its unit.
 */
export function ttlToBoundaryMs(expiresAt: number, now: number, granularityMs: number): number {
  return Math.max(1, Math.ceil(expiresAt / granularityMs) * granularityMs - now);
}

/** `expiresAt` as whole epoch seconds rounded up: the absolute expiry of backends that take a Unix time. */
export function epochSecondsAtOrAfter(expiresAt: number): number {
  return Math.ceil(expiresAt / 1000);
}
