/**
 * The `USING TTL` of a write, from core's {@link ttlSeconds} (core/src/ttl.ts explains the rounding).
 *
 * Cassandra's quirk: it stores an expiring cell's deadline as whole seconds counted from the coordinator's
 * clock truncated to the second (`localDeletionTime = nowInSeconds + ttl`: a cell written at 12:00:00.900 with
 * `USING TTL 2` is gone at 12:00:02.000, measured on Cassandra 5.0), which is the case `ttlSeconds` is built
 * for. A TTL of 0 would mean "never expires": `ttlSeconds` is at least 1.
 *
 * @module
 */
import { ConfigurationError, ttlSeconds } from '@sessionkit/core';

/** Cassandra's largest TTL: 20 years, in seconds. */
export const MAX_TTL_SECONDS = 630_720_000;

/**
 * The `USING TTL` value for a deadline of `expiresAt` written at `now` (both epoch ms), plus `paddingSeconds`
 * of slack for clock skew between the application servers and Cassandra.
 */
export function usingTtl(expiresAt: number, now: number, paddingSeconds: number): number {
  return ttlSeconds(expiresAt, now) + paddingSeconds;
}

/**
 * {@link usingTtl} for a session-row write; throws {@link ConfigurationError} when it exceeds
 * {@link MAX_TTL_SECONDS} (Cassandra would refuse the statement).
 */
export function sessionTtl(
  store: string,
  operation: string,
  expiresAt: number,
  now: number,
  paddingSeconds: number,
): number {
  const ttl = usingTtl(expiresAt, now, paddingSeconds);
  if (ttl > MAX_TTL_SECONDS) {
    throw new ConfigurationError(`expiresAt is more than Cassandra's maximum TTL (20 years) away`, {
      store,
      operation,
    });
  }
  return ttl;
}
