/**
 * One user's live sessions as `sessionkit sessions list` shows them: the store key (a hash of the session ID,
 * not a token), creation, expiry and size, through the store's per-user index (`listByUser`) and `get`.
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import { jsonCodec, mapLimit } from '@sessionkit/core';

/** One live session of the user. */
export interface UserSessionRow {
  /** The store key (SHA-256 of the session ID, base64url): identifies the session, cannot be used as a token. */
  key: string;
  /**
   * Epoch ms of creation, read from the record with core's default JSON codec; `null` when the record is not
   * plain JSON (the application stores it compressed or encrypted), which the CLI cannot decode.
   */
  createdAt: number | null;
  /** Epoch ms at which the session expires if unused. */
  expiresAt: number;
  /** Size of the stored record (codec output), in bytes. */
  sizeBytes: number;
  /** The record's version (1 on create, +1 per update). */
  version: number;
}

/** How many index entries are read in parallel. */
const READ_CONCURRENCY = 16;

/**
 * The user's live sessions, oldest first (by creation, then by expiry). Index entries whose session is gone,
 * expired or now owned by someone else are left out (the index may lag a logout by a moment).
 */
export async function listUserSessions(store: SessionStore, userId: string): Promise<UserSessionRow[]> {
  const entries = await store.listByUser(userId);
  const rows = await mapLimit(entries, READ_CONCURRENCY, async ({ key }): Promise<UserSessionRow | null> => {
    // 'strong': an operator looking at an incident wants what the store holds now, not a replica's view.
    const stored = await store.get(key, { consistency: 'strong' });
    if (stored === null || stored.userId !== userId) return null;
    return {
      key,
      createdAt: createdAtOf(stored.data),
      expiresAt: stored.expiresAt,
      sizeBytes: stored.data.byteLength,
      version: stored.version,
    };
  });
  return rows
    .filter((row) => row !== null)
    .sort((a, b) => (a.createdAt ?? a.expiresAt) - (b.createdAt ?? b.expiresAt) || a.expiresAt - b.expiresAt);
}

/** `createdAt` of a record written with core's default JSON codec; `null` for any other encoding. */
function createdAtOf(data: Uint8Array): number | null {
  try {
    return jsonCodec.decode(data).createdAt;
  } catch {
    // Not an error: compressed or encrypted records are opaque to a tool without the application's codec.
    return null;
  }
}
