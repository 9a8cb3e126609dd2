/**
 * TTL computation for Cassandra.
 *
 * Cassandra stores an expiring cell's deadline as whole seconds: `localDeletionTime = nowInSeconds + ttl`,
 * where `nowInSeconds` is the coordinator's clock truncated to the second. A cell written at 12:00:00.900 with
 * `USING TTL 2` is gone at 12:00:02.000, after 1.1 s, not 2 s (measured on Cassandra 5.0). So rounding the
 * remaining lifetime up (`ceil((expiresAt - now) / 1000)`, what `ttlInUnits` in core does) can make a row
 * vanish up to a second *before* `expiresAt`.
 *
 * We instead pick the TTL that makes the deletion second land on or after `expiresAt`:
 * `ttl = ceil(expiresAt / 1000) - floor(now / 1000)`. With the coordinator's clock in step with ours, the row
 * then lives until `ceil(expiresAt / 1000)` seconds: never before `expiresAt`, and less than one second after
 * it (the read filter on `expires_at` hides it from `expiresAt` on). `paddingSeconds` adds slack for clock
 * skew between the application servers and Cassandra.
 *
 * @module
 */

/** Cassandra's largest TTL: 20 years, in seconds. */
export const MAX_TTL_SECONDS = 630_720_000;

/** The `USING TTL` value for a deadline of `expiresAt` written at `now` (both epoch ms); at least 1. */
export function ttlSeconds(expiresAt: number, now: number, paddingSeconds = 0): number {
  return Math.max(1, Math.ceil(expiresAt / 1000) - Math.floor(now / 1000)) + paddingSeconds;
}
