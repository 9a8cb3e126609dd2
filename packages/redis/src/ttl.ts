/**
 * The native TTL of a session key: `PX` / `PEXPIRE` in milliseconds, relative to the application's clock.
 * The rounding rules are core's (`ttlInUnits`, see `@sessionkit/core`'s ttl.ts); this file holds Redis's quirks.
 *
 * @module
 */
import { isLive, ttlInUnits } from '@sessionkit/core';

/**
 * The `PX` of a session with deadline `expiresAt` written at `now`, or 0 when it is already dead.
 *
 * Redis quirks handled here and in the scripts: a TTL is relative and counted in milliseconds from the
 * server's clock, so sending `expiresAt - now` (never an absolute `PXAT`) keeps a skew between the
 * application's and the server's clocks from ending a record early; and `PX 0` is an error ("invalid expire
 * time"), so 0 tells the scripts to delete the key (or store nothing) instead.
 */
export function pxTtl(expiresAt: number, now: number): number {
  return isLive(expiresAt, now) ? ttlInUnits(expiresAt, now, 1) : 0;
}
