/**
 * The Lua scripts behind every conditional write. Each touches exactly ONE key, so each runs unchanged on
 * standalone Redis, behind Sentinel and on Redis Cluster (no CROSSSLOT, no hash-tag requirement).
 *
 * They are registered with ioredis `defineCommand`, which sends `EVALSHA` and falls back to `EVAL` (loading
 * the script) when the server answers `NOSCRIPT` — after a restart or a failover to a replica that never saw
 * `SCRIPT LOAD`. The script text is the same everywhere, so its SHA1 is too.
 *
 * All scripts read the value header laid out in `record.ts` with `struct.unpack('<BdddH', ...)`, and accept
 * both formats it reads (1, and 2 as written by version 0.1). The current
 * time (`now`, epoch ms) always comes from the caller's clock, never from `redis.call('TIME')`: the
 * liveness rule ("dead from expiresAt on") must be the same one the read path applies on the client, and
 * native TTLs are relative (`PX` / `PEXPIRE` with `expiresAt - now`) for the same reason, so a skew between
 * the application's and the server's clocks cannot make a record vanish early or outlive its deadline.
 *
 * Replies: `0` = condition failed (missing, expired, wrong version), `1` = written,
 * `{2, userId}` = the new deadline lies beyond the score this session holds in its user's index: the caller
 * must raise the index first (see `user-index.ts`) and call again with the raised bound. Nothing was written.
 * A `ttlMs` of 0 means the new deadline has passed (see `ttl.ts`): the key is deleted instead.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';

/** create: insert unless a live record holds the key. ARGV: now, ttlMs, value. */
const CREATE = `
local head = redis.call('GETRANGE', KEYS[1], 0, 16)
local format = string.byte(head, 1)
if #head == 17 and (format == 1 or format == 2) then
  local _, _, expiresAt = struct.unpack('<Bdd', head)
  if expiresAt > tonumber(ARGV[1]) then return 0 end
end
local ttl = tonumber(ARGV[2])
if ttl <= 0 then
  -- Born dead: nothing is stored. An expired leftover that Redis has not purged yet goes too.
  if #head > 0 then redis.call('DEL', KEYS[1]) end
  return 1
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
return 1
`;

/**
 * update: compare-and-set on the version. ARGV: now, expectedVersion, newVersion, expiresAt, ttlMs, indexBound,
 * data. The new value is always format 1 (the data verbatim), whatever the format of the record it replaces.
 */
const UPDATE = `
local head = redis.call('GETRANGE', KEYS[1], 0, 26)
local format = string.byte(head, 1)
if #head < 27 or (format ~= 1 and format ~= 2) then return 0 end
local _, version, expiresAt, indexedUntil, uidLen = struct.unpack('<BdddH', head)
if expiresAt <= tonumber(ARGV[1]) or version ~= tonumber(ARGV[2]) then return 0 end
local newExpiresAt = tonumber(ARGV[4])
local uid = ''
if uidLen > 0 then
  -- The owner is fixed at create: it is copied from the stored record, whatever the caller sent.
  uid = redis.call('GETRANGE', KEYS[1], 27, 26 + uidLen)
  indexedUntil = math.max(indexedUntil, tonumber(ARGV[6]))
  if newExpiresAt > indexedUntil then return {2, uid} end
end
local ttl = tonumber(ARGV[5])
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SET', KEYS[1], struct.pack('<BdddH', 1, tonumber(ARGV[3]), newExpiresAt, indexedUntil, uidLen) .. uid .. ARGV[7], 'PX', ttl)
return 1
`;

/**
 * touch: move the deadline of a live record. ARGV: now, expiresAt, ttlMs, indexBound.
 * Rewrites 16 header bytes in place (SETRANGE keeps the key's TTL and never copies the payload), then sets the
 * new TTL. A missing or expired key is left alone, so a touch can never resurrect a deleted session.
 */
const TOUCH = `
local head = redis.call('GETRANGE', KEYS[1], 0, 26)
local format = string.byte(head, 1)
if #head < 27 or (format ~= 1 and format ~= 2) then return 0 end
local _, _, expiresAt, indexedUntil, uidLen = struct.unpack('<BdddH', head)
if expiresAt <= tonumber(ARGV[1]) then return 0 end
local newExpiresAt = tonumber(ARGV[2])
if uidLen > 0 then
  indexedUntil = math.max(indexedUntil, tonumber(ARGV[4]))
  if newExpiresAt > indexedUntil then return {2, redis.call('GETRANGE', KEYS[1], 27, 26 + uidLen)} end
end
local ttl = tonumber(ARGV[3])
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SETRANGE', KEYS[1], 9, struct.pack('<dd', newExpiresAt, indexedUntil))
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

/**
 * delete: remove the record and report its owner so the caller can drop the index entry.
 * ARGV: now, expectedOwner ('' = anyone). Reply {status, userId}: 1 deleted a live record, 0 deleted an
 * expired one, -1 nothing there, -2 owned by someone else (left alone; only with expectedOwner).
 */
const DELETE = `
local head = redis.call('GETRANGE', KEYS[1], 0, 26)
if #head == 0 then return {-1, ''} end
local uid = ''
local live = 0
local format = string.byte(head, 1)
if #head == 27 and (format == 1 or format == 2) then
  local _, _, expiresAt, _, uidLen = struct.unpack('<BdddH', head)
  if uidLen > 0 then uid = redis.call('GETRANGE', KEYS[1], 27, 26 + uidLen) end
  if expiresAt > tonumber(ARGV[1]) then live = 1 end
end
if ARGV[2] ~= '' and uid ~= ARGV[2] then return {-2, uid} end
redis.call('DEL', KEYS[1])
return {live, uid}
`;

/**
 * Raise one member of a user index (a ZSET scored by "indexed until", epoch ms). ARGV: now, bound, member.
 * Prunes entries whose score has passed (their sessions are dead: expiresAt <= score <= now), raises the
 * member with ZADD GT (scores only ever grow, so a slow writer cannot lower a bound another one relied on),
 * and keeps the index key's TTL at its highest score, so the index never expires before any of its sessions.
 */
const INDEX_ADD = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[3])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.ceil(tonumber(top[2]) - now)
if ttl < 1 then ttl = 1 end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

/** Reply of {@link DELETE}: status (1 live record deleted, 0 expired one, -1 none, -2 other owner) and owner. */
export type DeleteReply = [status: number, owner: string];

/** The custom commands, as ioredis adds them to a client. */
export interface SessionScripts {
  sessionkitCreate(key: string, now: number, ttlMs: number, value: Buffer): Promise<number>;
  sessionkitUpdate(
    key: string,
    now: number,
    expectedVersion: number,
    newVersion: number,
    expiresAt: number,
    ttlMs: number,
    indexBound: number,
    data: Buffer,
  ): Promise<number | [number, string]>;
  sessionkitTouch(
    key: string,
    now: number,
    expiresAt: number,
    ttlMs: number,
    indexBound: number,
  ): Promise<number | [number, string]>;
  sessionkitDelete(key: string, now: number, expectedOwner: string): Promise<DeleteReply>;
  sessionkitIndexAdd(indexKey: string, now: number, bound: number, member: string): Promise<number>;
}

/** A client (standalone, Sentinel-managed or Cluster) with the scripts defined. */
export type ScriptedClient = (Redis | Cluster) & SessionScripts;

/**
 * The Lua sources, by role, for benchmarks and tools that send exactly the adapter's commands with a bare
 * client (`@sessionkit/redis/internal`); the store itself registers them with {@link defineScripts}.
 */
export const luaScripts = {
  create: CREATE,
  update: UPDATE,
  touch: TOUCH,
  delete: DELETE,
  indexAdd: INDEX_ADD,
} as const;

const DEFINITIONS: Record<keyof SessionScripts, string> = {
  sessionkitCreate: CREATE,
  sessionkitUpdate: UPDATE,
  sessionkitTouch: TOUCH,
  sessionkitDelete: DELETE,
  sessionkitIndexAdd: INDEX_ADD,
};

/**
 * Defines the scripts on `client` (idempotent: several stores may share one client). The names carry a
 * `sessionkit` prefix so they cannot clash with the application's own `defineCommand`s.
 */
export function defineScripts(client: Redis | Cluster): ScriptedClient {
  for (const [name, lua] of Object.entries(DEFINITIONS)) {
    if (typeof (client as unknown as Record<string, unknown>)[name] !== 'function') {
      client.defineCommand(name, { lua, numberOfKeys: 1 });
    }
  }
  return client as ScriptedClient;
}
