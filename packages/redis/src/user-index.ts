/**
 * The per-user index: one ZSET per user, `member = store key` (without prefix), `score = indexed-until`
 * (epoch ms), and the rules that keep it exact under concurrent logins and logouts on Redis Cluster, where a
 * session key and its user's index generally live in different hash slots (so no script can update both).
 *
 * Invariant: while a session S of user U is live, U's index holds S with a score >= S.expiresAt.
 * - `create` raises the index entry FIRST (score = expiresAt + `userIndexGraceMs`) and then writes the
 *   session carrying that bound (`indexedUntil`). A session therefore never exists without its entry.
 * - `update` / `touch` write only the session while the new deadline stays within `indexedUntil` (one round
 *   trip). Beyond it the script refuses and names the owner; the store raises the entry (ZADD GT) and calls
 *   again with the raised bound. Scores only grow (GT), so a slow writer never lowers a bound that another
 *   one relied on.
 * - Entries are removed only when that is safe: pruning by score (`score <= now` means the session is dead),
 *   `delete` after the session key is gone, and `deleteByUser` for sessions it deleted itself. An entry whose
 *   session is missing is NOT removed by `listByUser`/`deleteByUser`: a create may be in flight between its
 *   two steps, and removing the entry then would leave a live unindexed session. Such an entry (left by a
 *   failed create, a crash between `delete`'s two steps, or a native expiry) is skipped when listing and
 *   pruned once its score passes, i.e. at most `userIndexGraceMs` after its session's deadline.
 * - The index key's TTL follows its highest score, so an index never outlives the last of its sessions by
 *   more than the grace, and never expires before any of them.
 *
 * Known limit: re-creating the very same key for the same user concurrently with its `delete` can drop the
 * new entry (delete's ZREM lands after the re-create's ZADD). Keys are SHA-256 hashes of 256-bit random IDs,
 * so a key is created once; the conformance suite's re-create-after-delete is sequential and unaffected.
 *
 * @module
 */
import type { UserSessionEntry } from '@sessionkit/core';
import { isLive, mapLimit } from '@sessionkit/core';
import { decodeHeader, headerBytes } from './record.js';
import type { DeleteReply, ScriptedClient } from './scripts.js';

/**
 * Commands in flight per `listByUser` / `deleteByUser`: they share one connection (pipelined), and the bound
 * keeps a user with thousands of sessions from queueing all of them at once.
 */
const USER_FAN_OUT = 64;

/** Members of the index whose score has not passed (candidates; each must still be checked against its record). */
function indexCandidates(client: ScriptedClient, indexKey: string, now: number): Promise<string[]> {
  return client.zrangebyscore(indexKey, `(${now}`, '+inf');
}

/** Removes members whose sessions are known to be gone. */
export async function removeIndexEntries(client: ScriptedClient, indexKey: string, members: string[]): Promise<void> {
  if (members.length > 0) await client.zrem(indexKey, ...members);
}

/**
 * The live sessions of `userId` listed in `indexKey`: one `GETRANGE` of the header per candidate (never the
 * payload), kept when the record is live and still owned by `userId` (a key may now belong to someone else).
 */
export async function listIndexed(
  client: ScriptedClient,
  indexKey: string,
  userId: string,
  now: number,
  sessionKey: (member: string) => string,
): Promise<UserSessionEntry[]> {
  const members = await indexCandidates(client, indexKey, now);
  const end = headerBytes(userId) - 1; // GETRANGE's end is inclusive
  const heads = await mapLimit(members, USER_FAN_OUT, (member) => client.getrangeBuffer(sessionKey(member), 0, end));
  const entries: UserSessionEntry[] = [];
  heads.forEach((head, i) => {
    const header = decodeHeader(head);
    if (header && header.userId === userId && isLive(header.expiresAt, now))
      entries.push({ key: members[i]!, expiresAt: header.expiresAt });
  });
  return entries;
}

/**
 * Deletes every candidate of `indexKey` with `deleteOne` (the owner-checked delete script) and removes the
 * entries of the records it found. Resolves the number of live sessions deleted and the candidates tried.
 */
export async function deleteIndexed(
  client: ScriptedClient,
  indexKey: string,
  now: number,
  deleteOne: (member: string) => Promise<DeleteReply>,
): Promise<{ deleted: number; members: string[] }> {
  const members = await indexCandidates(client, indexKey, now);
  const results = await mapLimit(members, USER_FAN_OUT, deleteOne);
  let deleted = 0;
  const gone: string[] = [];
  results.forEach(([status], i) => {
    if (status === 1) deleted++;
    // -1 (no record) stays: it may be a create between its index step and its session step.
    if (status !== -1) gone.push(members[i]!);
  });
  await removeIndexEntries(client, indexKey, gone);
  return { deleted, members };
}
