/**
 * The per-user session index, kept without scans on a backend that has none.
 *
 * Memcached cannot enumerate keys, so each user has one index item (`<prefix>~user~<sha256(userId)>`, placed
 * on the ring like any key) holding a bounded list of `[sessionKey, hint]` entries, oldest first. Every
 * change is a read + CAS write retried on conflict, so concurrent logins and logouts never lose each
 * other's entries.
 *
 * - **Bounded**: at most `maxSessionsPerUser` entries (default 64), declared as
 *   `capabilities.maxSessionsPerUser`. When a create finds the index full it first verifies every entry and
 *   drops the dead ones; if it is still full the create is refused with {@link SessionLimitError} (and rolled
 *   back by the store). Choosing which session to give up is policy: the `SessionManager` evicts the oldest
 *   before the bound is reached.
 * - **Pruned**: on every index write, entries whose hint has passed are verified by reading the session
 *   and dropped if it is gone, expired or owned by someone else; `listByUser` verifies every entry (it must
 *   read them anyway to return exact deadlines) and writes back the pruned list.
 * - **Lifetime**: the index item's TTL is the latest hint plus a grace period; a session records in its own
 *   value (`indexUntil`) how long the index is guaranteed to live, and an update/touch that extends the
 *   session beyond that refreshes the index first. So the index never expires before a session it lists.
 * - **Order of writes**: a create writes the session first (ADD) and the index entry second, and deletes
 *   the session again if the index write fails. An index entry therefore never points at a session that
 *   does not exist yet, so "session missing" always means "dead" when pruning.
 *
 * Limits (documented in docs/memcached.md): memcached may evict the index item under memory pressure (then
 * `listByUser`/`deleteByUser` no longer see that user's older sessions); a process that crashes between the
 * session ADD and the index write leaves one session unlisted until it expires.
 *
 * @module
 */

import type { UserSessionEntry } from '@sessionkit/core';
import {
  backoffDelay,
  ConflictError,
  isLive,
  mapLimit,
  resolveRetryOptions,
  SessionLimitError,
  sleep,
} from '@sessionkit/core';
import type { FullKey, MemcachedResponse } from './connection.js';
import { NO_CAS, Opcode, Status } from './protocol.js';
import type { IndexEntry } from './record.js';
import { decodeRecord, decodeUserIndex, encodeUserIndex } from './record.js';
import { toExptime } from './ttl.js';

/** What the index needs from the store: raw key-addressed requests and settings. */
export interface IndexBackend {
  readonly storeName: string;
  readonly maxSessionsPerUser: number;
  readonly graceMs: number;
  readonly maxCasAttempts: number;
  now(): number;
  indexKey(userId: string): FullKey;
  backendKey(key: string): FullKey;
  get(fullKey: FullKey, operation: string): Promise<MemcachedResponse>;
  store(
    opcode: typeof Opcode.SET | typeof Opcode.ADD,
    fullKey: FullKey,
    value: Buffer,
    exptime: number,
    cas: Buffer,
    operation: string,
  ): Promise<MemcachedResponse>;
  remove(fullKey: FullKey, cas: Buffer, operation: string): Promise<MemcachedResponse>;
  /** Throws the typed error for an unexpected status. */
  fail(response: MemcachedResponse, operation: string, size?: number): never;
}

interface IndexState {
  entries: IndexEntry[];
  /** The index item's CAS, or null when the item does not exist. */
  cas: Buffer | null;
}

/** A queued {@link UserIndex.upsert} call. */
interface PendingUpsert {
  key: string;
  expiresAt: number;
  mode: 'create' | 'refresh';
  operation: string;
  resolve(indexUntil: number): void;
  reject(error: unknown): void;
}

interface UpsertQueue {
  pending: PendingUpsert[];
  running: boolean;
}

/** Backoff between index CAS attempts: a random wait up to 2^attempt ms, capped at 50 ms, to break lockstep. */
const INDEX_RETRY = resolveRetryOptions({ baseDelayMs: 2, maxDelayMs: 50 });

/**
 * Sessions of one user read or deleted at once: a full default index (64) in one wave; the requests are
 * pipelined on one connection per server.
 */
const USER_FAN_OUT = 64;

/** The state of one session as seen by verification; `null` when its server could not be asked. */
type Verdict = { alive: true; expiresAt: number } | { alive: false } | null;

/** Maintains the per-user indexes. */
export class UserIndex {
  readonly #b: IndexBackend;

  constructor(backend: IndexBackend) {
    this.#b = backend;
  }

  async #read(userId: string, operation: string): Promise<IndexState> {
    const r = await this.#b.get(this.#b.indexKey(userId), operation);
    if (r.status === Status.KEY_NOT_FOUND) return { entries: [], cas: null };
    if (r.status !== Status.OK) this.#b.fail(r, operation);
    // A malformed index (written by something else) is treated as empty and overwritten under its CAS.
    return { entries: decodeUserIndex(r.value) ?? [], cas: r.cas };
  }

  /** CAS-writes the index; resolves false on a conflict (the caller re-reads and retries). */
  async #write(userId: string, state: IndexState, entries: IndexEntry[], operation: string): Promise<boolean> {
    const key = this.#b.indexKey(userId);
    if (entries.length === 0) {
      if (state.cas === null) return true;
      const r = await this.#b.remove(key, state.cas, operation);
      if (r.status === Status.OK || r.status === Status.KEY_NOT_FOUND) return true;
      if (r.status === Status.KEY_EXISTS) return false;
      return this.#b.fail(r, operation);
    }
    const now = this.#b.now();
    let latest = 0;
    for (const e of entries) latest = Math.max(latest, e.hint);
    // The index outlives the latest deadline it knows by the grace period (see `indexUntil` in record.ts).
    const exptime = toExptime(Math.max(latest, now) + this.#b.graceMs, now);
    const value = encodeUserIndex(entries);
    const r =
      state.cas === null
        ? await this.#b.store(Opcode.ADD, key, value, exptime, NO_CAS, operation)
        : await this.#b.store(Opcode.SET, key, value, exptime, state.cas, operation);
    if (r.status === Status.OK) return true;
    // KEY_EEXISTS: someone changed (or, for ADD, created) the index meanwhile; KEY_ENOENT: it vanished.
    if (r.status === Status.KEY_EXISTS || r.status === Status.KEY_NOT_FOUND) return false;
    return this.#b.fail(r, operation, value.length);
  }

  /** Reads one session and says whether it is alive and owned by `userId`. */
  async #verify(userId: string, key: string, operation: string): Promise<Verdict> {
    const r = await this.#b.get(this.#b.backendKey(key), operation);
    if (r.status === Status.KEY_NOT_FOUND) return { alive: false };
    if (r.status !== Status.OK) this.#b.fail(r, operation);
    const frame = decodeRecord(r.value);
    if (!frame || frame.userId !== userId || !isLive(frame.expiresAt, this.#b.now())) return { alive: false };
    return { alive: true, expiresAt: frame.expiresAt };
  }

  /**
   * Verifies the `entries` that `which` selects, in parallel. Alive entries get their hint raised to the real
   * deadline, dead ones are removed; entries whose server could not be reached are kept as they are: unknown
   * is not dead, and pruning is housekeeping that must not fail the write it is part of.
   */
  async #prune(userId: string, entries: IndexEntry[], which: (e: IndexEntry) => boolean, operation: string) {
    const targets = entries.filter(which);
    if (targets.length === 0) return entries;
    const verdicts = await mapLimit(targets, USER_FAN_OUT, (e) =>
      this.#verify(userId, e.key, operation).catch((): Verdict => null),
    );
    const dead = new Set<string>();
    verdicts.forEach((verdict, i) => {
      const entry = targets[i]!;
      if (verdict?.alive === false) dead.add(entry.key);
      else if (verdict?.alive) entry.hint = Math.max(entry.hint, verdict.expiresAt);
    });
    return entries.filter((e) => !dead.has(e.key));
  }

  /**
   * Adds (`mode: 'create'`) or refreshes (`'refresh'`) the entry of `key` with deadline `expiresAt`.
   * Resolves the time until which the index item is now guaranteed to live for this session.
   *
   * Concurrent calls for the same user in this process are coalesced: while one read + CAS write of the
   * index is in flight, further calls queue up and the next round applies all of them in one CAS write
   * (group commit). Without this, N simultaneous logins of one user would make N-1 CAS writes fail per round.
   */
  upsert(
    userId: string,
    key: string,
    expiresAt: number,
    mode: 'create' | 'refresh',
    operation: string,
  ): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let queue = this.#queues.get(userId);
      if (!queue) {
        queue = { pending: [], running: false };
        this.#queues.set(userId, queue);
      }
      queue.pending.push({ key, expiresAt, mode, operation, resolve, reject });
      if (!queue.running) void this.#drain(userId, queue);
    });
  }

  readonly #queues = new Map<string, UpsertQueue>();

  async #drain(userId: string, queue: UpsertQueue): Promise<void> {
    queue.running = true;
    try {
      while (queue.pending.length > 0) {
        const batch = queue.pending.splice(0);
        try {
          await this.#applyBatch(userId, batch);
        } catch (error) {
          for (const op of batch) op.reject(error);
        }
      }
    } finally {
      queue.running = false;
      this.#queues.delete(userId);
    }
  }

  /** One group commit: read, apply every queued upsert, CAS-write; retried with jittered backoff. */
  async #applyBatch(userId: string, batch: PendingUpsert[]): Promise<void> {
    const b = this.#b;
    const operation = batch[0]!.operation;
    for (let attempt = 0; attempt < b.maxCasAttempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt, INDEX_RETRY));
      const state = await this.#read(userId, operation);
      const now = b.now();
      const batchKeys = new Set(batch.map((op) => op.key));
      const recreated = new Set(batch.filter((op) => op.mode === 'create').map((op) => op.key));
      // The same key created again (after a delete) goes to the end as the newest entry.
      let entries = state.entries.filter((e) => !recreated.has(e.key)).map((e) => ({ ...e }));
      // Prune entries whose hint has passed (the session may have been extended since: verify, don't guess).
      entries = await this.#prune(userId, entries, (e) => !batchKeys.has(e.key) && !isLive(e.hint, now), operation);
      let verifiedAll = false;
      const outcomes: ({ ok: true; value: number } | { ok: false; error: unknown })[] = [];
      for (const op of batch) {
        const own = entries.find((e) => e.key === op.key);
        if (own) {
          own.hint = Math.max(own.hint, op.expiresAt);
        } else {
          if (entries.length >= b.maxSessionsPerUser && !verifiedAll) {
            // Full: verify every entry (deleted sessions keep their future hint until verified).
            verifiedAll = true;
            entries = await this.#prune(
              userId,
              entries,
              (e) => !batchKeys.has(e.key) && isLive(e.hint, now),
              operation,
            );
          }
          if (entries.length >= b.maxSessionsPerUser) {
            outcomes.push({
              ok: false,
              error: new SessionLimitError(b.maxSessionsPerUser, { store: b.storeName, operation: op.operation }),
            });
            continue;
          }
          entries.push({ key: op.key, hint: op.expiresAt });
        }
        outcomes.push({ ok: true, value: Math.max(op.expiresAt, now) + b.graceMs });
      }
      if (await this.#write(userId, state, entries, operation)) {
        batch.forEach((op, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) op.resolve(outcome.value);
          else op.reject(outcome.error);
        });
        return;
      }
    }
    throw new ConflictError(`user index kept changing during ${b.maxCasAttempts} attempts`, {
      store: b.storeName,
      operation,
    });
  }

  /** The live sessions of a user with their exact deadlines; writes back the pruned index. */
  async list(userId: string, operation: string): Promise<UserSessionEntry[]> {
    const state = await this.#read(userId, operation);
    if (state.entries.length === 0) return [];
    const verdicts = await mapLimit(state.entries, USER_FAN_OUT, (e) => this.#verify(userId, e.key, operation));
    const live: UserSessionEntry[] = [];
    const kept: IndexEntry[] = [];
    verdicts.forEach((v, i) => {
      const e = state.entries[i]!;
      if (v?.alive) {
        live.push({ key: e.key, expiresAt: v.expiresAt });
        kept.push({ key: e.key, hint: Math.max(e.hint, v.expiresAt) });
      }
    });
    if (kept.length !== state.entries.length) {
      // Housekeeping only: on a CAS conflict someone else just rewrote the index and the next write prunes.
      await this.#write(userId, state, kept, operation);
    }
    return live;
  }

  /**
   * Deletes every session in the user's index and empties it. Sessions on servers that cannot be reached
   * stay in the index and the first such error is thrown after the others were deleted.
   */
  async deleteAll(userId: string, operation: string): Promise<number> {
    const b = this.#b;
    let deleted = 0;
    for (let attempt = 0; attempt < b.maxCasAttempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt, INDEX_RETRY));
      const state = await this.#read(userId, operation);
      if (state.cas === null) return deleted;
      // Every session is tried, reachable or not: one unreachable server must not keep the others alive.
      const outcomes = await mapLimit(state.entries, USER_FAN_OUT, (e) =>
        this.#deleteOwned(userId, e.key, operation).then(
          (wasLive) => ({ ok: true as const, wasLive }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      );
      const unreachable: IndexEntry[] = [];
      let failure: { error: unknown } | undefined;
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) deleted += outcome.wasLive ? 1 : 0;
        else {
          unreachable.push(state.entries[i]!);
          failure ??= outcome;
        }
      });
      if (await this.#write(userId, state, unreachable, operation)) {
        if (failure) throw failure.error;
        return deleted;
      }
      // The index changed meanwhile (a concurrent login): go again; sessions already deleted read as missing.
    }
    throw new ConflictError(`user index kept changing during ${b.maxCasAttempts} attempts`, {
      store: b.storeName,
      operation,
    });
  }

  /** Deletes a session if it belongs to `userId`; resolves whether a live one was deleted. */
  async #deleteOwned(userId: string, key: string, operation: string): Promise<boolean> {
    const full = this.#b.backendKey(key);
    const r = await this.#b.get(full, operation);
    if (r.status === Status.KEY_NOT_FOUND) return false;
    if (r.status !== Status.OK) this.#b.fail(r, operation);
    const frame = decodeRecord(r.value);
    if (frame && frame.userId !== userId) return false; // the key now belongs to someone else: not ours
    const d = await this.#b.remove(full, r.cas, operation);
    if (d.status === Status.OK) return frame !== null && isLive(frame.expiresAt, this.#b.now());
    if (d.status === Status.KEY_NOT_FOUND) return false;
    if (d.status === Status.KEY_EXISTS) {
      // Changed since our read (an update or touch): it is still this user's session; delete it anyway.
      const again = await this.#b.remove(full, NO_CAS, operation);
      if (again.status === Status.OK) return true;
      if (again.status === Status.KEY_NOT_FOUND) return false;
      return this.#b.fail(again, operation);
    }
    return this.#b.fail(d, operation);
  }
}
