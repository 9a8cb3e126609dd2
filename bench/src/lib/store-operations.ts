/**
 * The operation every adapter benchmark measures on the SessionKit side, written once: read a session, then
 * compare-and-set a new payload at the version read (what `SessionManager.commit` does for a changed session).
 */
import type { SessionStore, StoredSession } from '@sessionkit/core';

/** Reads `key` and writes `data` at the next version with a fresh deadline. Resolves whether the write won. */
export async function getAndUpdate(
  store: SessionStore,
  key: string,
  data: Uint8Array,
  ttlMs: number,
): Promise<boolean> {
  const current = await store.get(key);
  if (!current) throw new Error('a benchmark session is missing: was it evicted or expired?');
  const next: StoredSession = { data, version: current.version + 1, expiresAt: Date.now() + ttlMs };
  if (current.userId !== undefined) next.userId = current.userId;
  return store.update(key, next, current.version);
}
