/**
 * `sessionkit sessions revoke`: deletes one user's sessions (logout everywhere), optionally keeping one named
 * by its store key or an unambiguous prefix of it.
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import { mapLimit } from '@sessionkit/core';
import { UsageError } from '../output.js';

/** What a revocation did. */
export interface RevokeResult {
  /** Sessions deleted. */
  revoked: number;
  /** The key kept (`--except`), if any. */
  kept?: string;
}

/** Shortest key prefix `--except` accepts, so a typo cannot match by accident. */
export const MIN_KEY_PREFIX = 8;

const DELETE_CONCURRENCY = 16;

/**
 * Deletes every session of `userId`, except the one whose key is (or starts with) `except`. Without `except`
 * this is the store's `deleteByUser` (one call). With it, the user's keys are listed and each other one is
 * deleted.
 * @throws {UsageError} when `except` is shorter than {@link MIN_KEY_PREFIX} or matches none or several of the
 *   user's sessions (nothing is deleted then).
 */
export async function revokeUserSessions(store: SessionStore, userId: string, except?: string): Promise<RevokeResult> {
  if (except === undefined) return { revoked: await store.deleteByUser(userId) };
  if (except.length < MIN_KEY_PREFIX) {
    throw new UsageError(`--except needs a session key or at least ${MIN_KEY_PREFIX} of its first characters`);
  }
  const keys = (await store.listByUser(userId)).map((entry) => entry.key);
  const exact = keys.filter((key) => key === except);
  const matches = exact.length > 0 ? exact : keys.filter((key) => key.startsWith(except));
  if (matches.length !== 1) {
    throw new UsageError(
      matches.length === 0
        ? `--except "${except}" is not the key of a session of this user (see: sessionkit sessions list); nothing revoked`
        : `--except "${except}" matches ${matches.length} sessions of this user; give more of the key; nothing revoked`,
    );
  }
  const kept = matches[0]!;
  const deleted = await mapLimit(
    keys.filter((key) => key !== kept),
    DELETE_CONCURRENCY,
    (key) => store.delete(key),
  );
  return { revoked: deleted.filter(Boolean).length, kept };
}
