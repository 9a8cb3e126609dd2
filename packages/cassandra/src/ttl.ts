/**
 * TTL computation for Cassandra.
 *
 * Cassandra stores an expiring cell's deadline as whole seconds: `localDeletionTime = nowInSeconds + ttl`,
 * where `nowInSeconds` is the coordinator's clock truncated to the second (a cell written at 12:00:00.900 with
 * `USING TTL 2` is gone at 12:00:02.000, measured on Cassandra 5.0). Core's `ttlInUnits` picks the TTL whose
 * deletion second is the first at or after `expiresAt`, so the row never vanishes before its deadline and the
 * `expires_at` read filter hides it for the last fraction of a second. `paddingSeconds` adds slack for clock
 * skew between the application servers and Cassandra.
 *
 * @module
 */
import { ttlInUnits } from '@sessionkit/core';

/** Cassandra's largest TTL: 20 years, in seconds. */
export const MAX_TTL_SECONDS = 630_720_000;

/** The `USING TTL` value for a deadline of `expiresAt` written at `now` (both epoch ms); at least 1. */
export function ttlSeconds(expiresAt: number, now: number, paddingSeconds = 0): number {
  return ttlInUnits(expiresAt, now, 1000) + paddingSeconds;
}
