/**
 * DynamoDB's native TTL. The rounding rules shared by every adapter are explained once in core (`ttl.ts`);
 * only DynamoDB's quirk is here.
 *
 * @module
 */
import { epochSecondsAtOrAfter } from '@sessionkit/core';

/**
 * The value of the `ttl` attribute for a deadline: `expiresAt` in whole epoch seconds, rounded up.
 *
 * DynamoDB quirk: TTL is not a duration but an absolute Unix time in seconds, read from an attribute the table
 * names (`ttl` here), and the item is deleted some time after it passes ("within a few days", and never on
 * dynalite). Rounding up means TTL never removes an item before `expiresAt`; the read filter and the write
 * conditions (record.ts, the store) hide it from `expiresAt` on, to the millisecond.
 */
export function ttlEpochSeconds(expiresAt: number): number {
  return epochSecondsAtOrAfter(expiresAt);
}
