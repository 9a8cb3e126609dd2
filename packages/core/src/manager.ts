/**
 * The session lifecycle on top of any {@link SessionStore}: creation, lazy writes, sliding and absolute
 * expiry, throttled touches, compare-and-set commits with a 3-way merge (ordered and batched per session within
 * a process, retried with jittered backoff against other processes), regeneration, per-user listing and
 * revocation, and an optional per-user session limit. All policy lives here; stores only keep records.
 *
 * @module
 */

import type { ResolvedRetryOptions, RetryOptions } from './backoff.js';
import { resolveRetryOptions, waitBeforeRetry } from './backoff.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Codec, SessionData, SessionRecord } from './codec.js';
import { jsonCodec } from './codec.js';
import {
  ConfigurationError,
  ConflictError,
  ContentionError,
  PayloadTooLargeError,
  SessionKitError,
  SessionLimitError,
  toSessionKitError,
} from './errors.js';
import type { SessionEventName, SessionEvents } from './events.js';
import { SessionEventEmitter } from './events.js';
import { generateSessionId, hashSessionId, isValidSessionId } from './ids.js';
import type { SessionLogger } from './logger.js';
import { logSessionEvents } from './logger.js';
import { MemoryStore } from './memory-store.js';
import type { ConflictPolicies, ResolvedConflictPolicies } from './merge.js';
import { mergeChanges, resolveConflictPolicies } from './merge.js';
import type { OperationTracer } from './operation-tracer.js';
import type { ExpiryPolicy } from './presets.js';
import { Session } from './session.js';
import type { Consistency, ReadOptions, SessionStore, StoredSession } from './store.js';
import type { KnownState, Lane, LaneEntry } from './write-lanes.js';
import { WriteLanes } from './write-lanes.js';

/** What to do when a user who already holds `max` sessions logs in again. */
export interface UserSessionLimit {
  /** Most concurrent sessions per user. */
  max: number;
  /** `'evict-oldest'` destroys the sessions closest to expiry; `'refuse'` throws {@link SessionLimitError}. */
  onLimit: 'evict-oldest' | 'refuse';
}

/** Options for {@link SessionManager}. Both timeouts are required (see {@link expiryPresets}). */
export interface SessionManagerOptions extends ExpiryPolicy {
  /** Where sessions live. Default: a new {@link MemoryStore}. */
  store?: SessionStore;
  /**
   * An unchanged session is touched only when that moves its deadline by at least this much, so most reads
   * cost no write. Default: a tenth of the idle timeout, at most one minute.
   */
  touchAfter?: number;
  /** How attributes become bytes. Default {@link jsonCodec}. */
  codec?: Codec;
  /** Time source. Default the system clock. */
  clock?: Clock;
  /** Largest encoded session accepted, in bytes. Default: the store's `capabilities.maxPayloadBytes`. */
  maxPayloadBytes?: number;
  /**
   * How an attribute that a concurrent request also changed is decided when a commit loses its
   * compare-and-set. Default: a stale read-then-write is rejected ({@link ConflictError}, HTTP 409), a blind
   * write wins. `Session.update` changes never conflict: they are re-applied to the other writer's value.
   */
  conflicts?: ConflictPolicies;
  /**
   * How long a commit (or {@link SessionManager.update}) keeps retrying a compare-and-set lost to another
   * process, with jittered backoff, before {@link ContentionError}. Default 5 s, backoff 2-100 ms.
   */
  retry?: RetryOptions;
  /** Read consistency when a call does not say. Default `'eventual'`. */
  defaultConsistency?: Consistency;
  /**
   * Cap on concurrent sessions per user (needs a store with a user index). Default: none, or, for a store
   * whose index is bounded (`capabilities.maxSessionsPerUser`), that bound with `'evict-oldest'`, so the
   * manager evicts (and emits `destroyed` with reason `'limit'`) before the store would refuse. A `max` above
   * the store's bound is a {@link ConfigurationError}.
   */
  userSessionLimit?: UserSessionLimit;
  /**
   * Where to log the failures otherwise reported only as events: store errors (`error`), corrupt records and
   * rejected conflicts (`warn`). A pino logger fits as is (see {@link SessionLogger}). Log objects never hold a
   * session ID or store key. Default: no logging.
   */
  logger?: SessionLogger;
  /**
   * Wraps each `load`, `commit` and `regenerate`, e.g. in a span (`SessionTelemetry.managerTracer()` of
   * `@sessionkit/opentelemetry`). Default: none, at no cost.
   */
  tracer?: OperationTracer;
}

/** Shared read options, so a load allocates none. Frozen: stores receive them but must not change them. */
const EVENTUAL_READ: ReadOptions = Object.freeze({ consistency: 'eventual' });
const STRONG_READ: ReadOptions = Object.freeze({ consistency: 'strong' });

/** What a commit did. */
export type CommitStatus =
  /** a new session was stored */
  | 'created'
  /** changed attributes were saved */
  | 'updated'
  /** an unchanged session's deadline was moved */
  | 'touched'
  /** nothing needed writing (unchanged, and touched recently enough) */
  | 'unchanged'
  /** a new session with no data: nothing is stored for anonymous visitors */
  | 'skipped'
  /** the session was destroyed or expired meanwhile; it was not recreated */
  | 'gone';

/** The result of {@link SessionManager.commit}. */
export interface CommitResult {
  status: CommitStatus;
}

/** Options for {@link SessionManager.load}. */
export interface LoadOptions {
  /** `'strong'` for critical steps (payments); `'eventual'` for ordinary reads. */
  consistency?: Consistency;
}

/** Options for {@link SessionManager.regenerate}. */
export interface RegenerateOptions {
  /** Keep the attributes (default `true`); `false` starts empty. */
  keepData?: boolean;
  /**
   * The owner of the new session: a string on login, `null` to drop the owner. Setting an owner counts as a
   * new authentication, so the absolute timeout restarts; otherwise the original `createdAt` is kept.
   */
  userId?: string | null;
}

/** One of a user's sessions, as {@link SessionManager.listForUser} reports it. */
export interface UserSessionInfo<T extends SessionData = SessionData> {
  /** The store key: a handle that identifies the session without being usable as a token. */
  key: string;
  /** Epoch ms of creation. */
  createdAt: number;
  /** Epoch ms at which it expires if unused. */
  expiresAt: number;
  /** The attributes (e.g. a user agent the app stored at login). */
  data: Partial<T>;
}

/** The session lifecycle. One manager per store, shared by all requests. */
export class SessionManager<T extends SessionData = SessionData> {
  /** The store sessions live in. */
  readonly store: SessionStore;
  readonly #idleTimeout: number;
  readonly #absoluteTimeout: number;
  readonly #touchAfter: number;
  readonly #codec: Codec;
  readonly #clock: Clock;
  readonly #maxPayloadBytes: number;
  readonly #conflicts: ResolvedConflictPolicies;
  readonly #retry: ResolvedRetryOptions;
  readonly #lanes = new WriteLanes<CommitEntry<T>>((key, batch, lane) => this.#writeBatch(key, batch, lane));
  readonly #defaultConsistency: Consistency;
  readonly #userSessionLimit: UserSessionLimit | undefined;
  readonly #events = new SessionEventEmitter();
  readonly #tracer: OperationTracer | undefined;

  constructor(options: SessionManagerOptions) {
    const { idleTimeout, absoluteTimeout } = options;
    requirePositive('idleTimeout', idleTimeout);
    requirePositive('absoluteTimeout', absoluteTimeout);
    this.store = options.store ?? new MemoryStore({ clock: options.clock });
    this.#idleTimeout = idleTimeout;
    this.#absoluteTimeout = absoluteTimeout;
    this.#touchAfter = options.touchAfter ?? Math.min(60_000, Math.floor(idleTimeout / 10));
    if (!(this.#touchAfter >= 0)) throw new ConfigurationError('touchAfter must be >= 0');
    this.#codec = options.codec ?? jsonCodec;
    this.#clock = options.clock ?? systemClock;
    this.#maxPayloadBytes = Math.min(
      options.maxPayloadBytes ?? Number.POSITIVE_INFINITY,
      this.store.capabilities.maxPayloadBytes,
    );
    this.#conflicts = resolveConflictPolicies(options.conflicts);
    this.#retry = resolveRetryOptions(options.retry);
    this.#defaultConsistency = options.defaultConsistency ?? 'eventual';
    this.#userSessionLimit = resolveUserSessionLimit(this.store, options.userSessionLimit);
    if (options.logger) logSessionEvents(this.#events, options.logger);
    this.#tracer = options.tracer;
  }

  /** Subscribes to a lifecycle event. Returns an unsubscribe function. */
  on<E extends SessionEventName>(event: E, listener: (payload: SessionEvents[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** A new, empty session with a fresh ID. Nothing is stored until it is written and committed. */
  create(): Session<T> {
    const id = generateSessionId();
    const now = this.#clock.now();
    return new Session<T>({
      id,
      key: hashSessionId(id),
      isNew: true,
      createdAt: now,
      expiresAt: this.#deadline(now, now),
      version: 0,
      userId: undefined,
      attributes: {},
    });
  }

  /**
   * Loads a session by its raw ID. Resolves `null` for a malformed ID (without touching the store), an unknown
   * or expired one, or a stored record that cannot be decoded (reported as a `corrupt` event).
   */
  load(id: unknown, options?: LoadOptions): Promise<Session<T> | null> {
    const tracer = this.#tracer;
    return tracer ? tracer.trace('load', () => this.#load(id, options)) : this.#load(id, options);
  }

  async #load(id: unknown, options: LoadOptions | undefined): Promise<Session<T> | null> {
    if (!isValidSessionId(id)) return null;
    const key = hashSessionId(id);
    const consistency = options?.consistency ?? this.#defaultConsistency;
    // The hot path of every request: the store is called directly (not through `#call`, whose closure and
    // extra promise cost a microtask per call), with a shared options object.
    let stored: StoredSession | null;
    try {
      stored = await this.store.get(key, consistency === 'strong' ? STRONG_READ : EVENTUAL_READ);
    } catch (error) {
      throw this.#storeFailure('get', error);
    }
    const record = this.#readStored(key, stored);
    if (!record) return null;
    // Properties spelled out, no object spread (why: commit d590c9c).
    return new Session<T>({
      id,
      key,
      isNew: false,
      createdAt: record.createdAt,
      expiresAt: stored!.expiresAt,
      version: stored!.version,
      userId: stored!.userId,
      attributes: record.attributes,
    });
  }

  /**
   * Saves what the request did: stores a new session that holds data, saves changed attributes with
   * compare-and-set (merging over concurrent commits), or touches an unchanged one when due.
   * A session destroyed meanwhile is never recreated (`'gone'`).
   */
  commit(session: Session<T>): Promise<CommitResult> {
    const tracer = this.#tracer;
    return tracer ? tracer.trace('commit', () => this.#commit(session)) : this.#commit(session);
  }

  #commit(session: Session<T>): Promise<CommitResult> {
    // Not async: each branch hands back the promise of the step it runs instead of wrapping it in one more
    // promise, which would resolve only after extra microtasks.
    if (session.destroyed) return Promise.resolve({ status: 'gone' });
    if (session.isNew) return this.#commitNew(session);
    if (session.isModified) return this.#commitChanges(session);
    return this.#touchIfDue(session);
  }

  /**
   * Whether {@link commit} would do anything for this session: `false` only for a loaded session that is
   * unchanged, live and not yet due for a touch (commit would resolve `'unchanged'` without a store call).
   * Synchronous, so an HTTP binding can let such a response go out without waiting for a commit.
   */
  hasWorkToCommit(session: Session<T>): boolean {
    if (session.destroyed || session.isNew || session.isModified) return true;
    const now = this.#clock.now();
    const expiresAt = this.#deadline(session.createdAt, now);
    return expiresAt <= now || this.#touchDue(session, expiresAt);
  }

  /**
   * Gives the session a new ID (call it on login and on every privilege change). The new record is written at
   * once and the old ID is dead when this resolves. Returns the new handle; the old one is destroyed.
   * The new session starts from the latest stored attributes with this handle's changes merged on top (as a
   * commit would merge them), so a change another request saved after this one loaded the session is kept. A
   * commit that another process lands on the old ID between that read and the delete (one store round trip)
   * is not carried over.
   */
  regenerate(session: Session<T>, options: RegenerateOptions = {}): Promise<Session<T>> {
    const tracer = this.#tracer;
    return tracer
      ? tracer.trace('regenerate', () => this.#regenerateLatest(session, options))
      : this.#regenerateLatest(session, options);
  }

  /** Regenerates from the latest stored state, on the old session's write lane (see {@link regenerate}). */
  async #regenerateLatest(session: Session<T>, options: RegenerateOptions): Promise<Session<T>> {
    if (session.isNew) return this.#regenerate(session, session.currentAttributes, options);
    // On the old session's write lane, after the commits this process queued for it, and from its latest
    // stored state: a change another request saved since this one loaded the session moves to the new ID
    // instead of being dropped with the old one.
    return this.#lanes.exclusive(session.key, async () => {
      let attributes = session.currentAttributes;
      if (options.keepData !== false) {
        const latest = await this.#call('get', () => this.store.get(session.key, STRONG_READ));
        const current = this.#readStored(session.key, latest);
        if (current && latest!.version !== session.version) {
          attributes = mergeChanges(
            session.baseAttributes,
            current.attributes,
            session.changes,
            this.#conflicts,
          ).attributes;
        }
      }
      return this.#regenerate(session, attributes, options);
    });
  }

  async #regenerate(session: Session<T>, attributes: SessionData, options: RegenerateOptions): Promise<Session<T>> {
    const now = this.#clock.now();
    const userId = options.userId === undefined ? session.userId : (options.userId ?? undefined);
    const authenticated = typeof options.userId === 'string';
    const id = generateSessionId();
    const createdAt = authenticated ? now : session.createdAt;
    const next = new Session<T>({
      id,
      key: hashSessionId(id),
      isNew: true,
      createdAt,
      expiresAt: this.#deadline(createdAt, now),
      version: 0,
      userId,
      attributes: {},
    });
    if (options.keepData !== false) {
      for (const [name, value] of Object.entries(attributes))
        next.set(name as keyof T & string, value as T[keyof T & string]);
    }
    const result = await this.#commitNew(next);
    if (!session.isNew) await this.#call('delete', () => this.store.delete(session.key));
    session.markDestroyed();
    if (result.status === 'created') {
      this.#events.emit('regenerated', { previousKey: session.key, key: next.key, userId });
    }
    return next;
  }

  /** Destroys a session (logout). Accepts the handle or the raw ID. Resolves whether a live session was deleted. */
  async destroy(session: Session<T> | string): Promise<boolean> {
    let key: string;
    if (session instanceof Session) {
      session.markDestroyed();
      if (session.isNew) return false;
      key = session.key;
    } else {
      if (!isValidSessionId(session)) return false;
      key = hashSessionId(session);
    }
    const deleted = await this.#call('delete', () => this.store.delete(key));
    if (deleted) this.#events.emit('destroyed', { key, reason: 'destroy' });
    return deleted;
  }

  /**
   * Atomic whole-session read-modify-write: loads the session with strong consistency, runs `mutate`, and
   * commits with compare-and-set; when another writer got there first it reloads and runs `mutate` again on the
   * fresh data (so counters and carts never lose increments), with jittered backoff until the retry deadline
   * ({@link ContentionError} after it). Runs after the commits this process already queued for the session.
   * Resolves the committed session, or `null` if the session does not exist.
   */
  async update(id: string, mutate: (session: Session<T>) => void | Promise<void>): Promise<Session<T> | null> {
    if (!isValidSessionId(id)) return null;
    return this.#lanes.exclusive(hashSessionId(id), async (lane) => {
      const deadline = performance.now() + this.#retry.timeoutMs;
      for (let attempt = 1; ; attempt++) {
        const session = await this.load(id, { consistency: 'strong' });
        if (!session) return null;
        await mutate(session);
        if (!session.isModified) {
          await this.#touchIfDue(session);
          return session.destroyed ? null : session;
        }
        const status = await this.#compareAndSet([session], session.currentAttributes, session.version);
        if (status === 'gone') return null;
        if (status === 'updated') {
          lane.known = { version: session.version, attributes: session.baseAttributes };
          return session;
        }
        this.#events.emit('conflict', { key: session.key, keys: [], attempt, resolution: 'reapplied' });
        await this.#backOff(session.key, attempt, deadline, 'update');
      }
    });
  }

  /** The live sessions of one user, with their metadata and attributes. */
  async listForUser(userId: string): Promise<UserSessionInfo<T>[]> {
    const entries = await this.#call('listByUser', () => this.store.listByUser(userId));
    const sessions = await Promise.all(
      entries.map(async ({ key }) => {
        const stored = await this.#call('get', () => this.store.get(key));
        const record = this.#readStored(key, stored);
        return record && stored!.userId === userId
          ? {
              key,
              createdAt: record.createdAt,
              expiresAt: stored!.expiresAt,
              data: { ...record.attributes } as Partial<T>,
            }
          : null;
      }),
    );
    return sessions.filter((info) => info !== null).sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Destroys every session of a user (logout everywhere, password change), optionally keeping one: pass the
   * current session (or its key) as `except`. Resolves how many were destroyed.
   */
  async destroyAllForUser(userId: string, options: { except?: Session<T> | string } = {}): Promise<number> {
    const except = typeof options.except === 'string' ? options.except : options.except?.key;
    if (except === undefined) {
      return this.#call('deleteByUser', () => this.store.deleteByUser(userId));
    }
    const entries = await this.#call('listByUser', () => this.store.listByUser(userId));
    return this.#destroyKeys(
      entries.map((entry) => entry.key).filter((key) => key !== except),
      'user',
    );
  }

  /**
   * Destroys one of a user's sessions by its key (the handle {@link listForUser} reports), checking that it
   * belongs to that user. Resolves whether it was destroyed.
   */
  async destroyForUser(userId: string, key: string): Promise<boolean> {
    const entries = await this.#call('listByUser', () => this.store.listByUser(userId));
    if (!entries.some((entry) => entry.key === key)) return false;
    return (await this.#destroyKeys([key], 'user')) === 1;
  }

  async #commitNew(session: Session<T>): Promise<CommitResult> {
    if (!session.isModified && session.userId === undefined) return { status: 'skipped' };
    const now = this.#clock.now();
    const expiresAt = this.#deadline(session.createdAt, now);
    const attributes = { ...session.currentAttributes };
    const stored = this.#encode(session.key, 'create', session.createdAt, attributes, 1, expiresAt, session.userId);
    if (session.userId !== undefined) await this.#enforceUserLimit(session.userId);
    const created = await this.#call('create', () => this.store.create(session.key, stored));
    // 256 random bits do not collide; a false here means the store is misbehaving, not bad luck.
    if (!created) throw new ConflictError('a session with this key already exists', { operation: 'create' });
    session.markStored(attributes, 1, expiresAt);
    this.#events.emit('created', { key: session.key, userId: session.userId });
    return { status: 'created' };
  }

  /** Queues changed attributes on the session's write lane (see {@link WriteLanes}). */
  #commitChanges(session: Session<T>): Promise<CommitResult> {
    return new Promise((resolve, reject) => this.#lanes.submit(session.key, { session, resolve, reject }));
  }

  /**
   * Writes one batch of commits to the same session: merges each request's changes, in arrival order, onto the
   * newest state known (3-way merge per request, against the attributes that request loaded), then writes the
   * result with one compare-and-set. A lost race reloads the winner's state, backs off, and merges again, until
   * the retry deadline. A request whose change the conflict policy rejects fails alone; the others are written.
   */
  async #writeBatch(key: string, batch: CommitEntry<T>[], lane: Lane): Promise<void> {
    // The newest state known: a request's own loaded attributes when it is as new as what this lane last
    // stored (same version, same content), so the common single request needs no merge.
    let basis = lane.known;
    for (const { session } of batch) {
      if (basis === undefined || session.version >= basis.version) {
        basis = { version: session.version, attributes: session.baseAttributes };
      }
    }
    let deadline: number | undefined; // set when the first compare-and-set is lost
    for (let attempt = 1; ; attempt++) {
      const { version } = basis!;
      const { attributes, accepted, rejected } = this.#mergeBatch(key, batch, basis!, attempt);
      let status: 'updated' | 'conflict' | 'gone' = 'updated';
      try {
        if (accepted.length > 0) status = await this.#compareAndSet(accepted, attributes, version);
      } catch (error) {
        if (accepted.length > 1 && !isStoreError(error)) {
          // The merged session failed to encode (too large, unserializable): write the requests one by one, so
          // only the one that caused it fails.
          for (const session of accepted)
            await this.#writeBatch(key, [batch.find((entry) => entry.session === session)!], lane);
          return settle(rejected);
        }
        for (const entry of batch) entry.reject(error);
        return;
      }
      if (status === 'updated') {
        if (accepted.length > 0) lane.known = { version: version + 1, attributes };
        for (const entry of batch) if (!rejected?.has(entry)) entry.resolve(UPDATED);
        return settle(rejected);
      }
      try {
        if (status === 'conflict') {
          deadline ??= performance.now() + this.#retry.timeoutMs;
          await this.#backOff(key, attempt, deadline, 'commit');
          const latest = await this.#call('get', () => this.store.get(key, STRONG_READ));
          const current = this.#readStored(key, latest);
          if (current) {
            basis = { version: latest!.version, attributes: current.attributes };
            lane.known = basis;
            continue;
          }
        }
        // Expired, or destroyed meanwhile: nothing is written, and nothing is recreated.
        for (const entry of batch) entry.resolve(this.#gone(entry.session));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
      return;
    }
  }

  /**
   * Merges the changes of each request of a batch, in arrival order, onto `basis` (3-way merge per request,
   * against the attributes that request loaded). A request whose change the conflict policy rejects (or whose
   * updater throws) is left out, with its error. The common case, one request based on `basis` itself, stores
   * that request's own attributes (no merge, no copy).
   */
  #mergeBatch(
    key: string,
    batch: CommitEntry<T>[],
    basis: KnownState,
    attempt: number,
  ): { attributes: SessionData; accepted: Session<T>[]; rejected: Map<CommitEntry<T>, unknown> | undefined } {
    const only = batch.length === 1 ? batch[0]!.session : undefined;
    if (only !== undefined && only.version === basis.version && only.baseAttributes === basis.attributes) {
      return { attributes: only.currentAttributes, accepted: [only], rejected: undefined };
    }
    let attributes = basis.attributes;
    const accepted: Session<T>[] = [];
    let rejected: Map<CommitEntry<T>, unknown> | undefined;
    for (const entry of batch) {
      try {
        const merged = mergeChanges(entry.session.baseAttributes, attributes, entry.session.changes, this.#conflicts);
        if (merged.conflicts.length > 0 || entry.session.version !== basis.version) {
          this.#events.emit('conflict', { key, keys: merged.conflicts, attempt, resolution: 'merged' });
        }
        attributes = merged.attributes;
        accepted.push(entry.session);
      } catch (error) {
        if (error instanceof ConflictError)
          this.#events.emit('conflict', { key, keys: [...error.attributes], attempt, resolution: 'rejected' });
        (rejected ??= new Map()).set(entry, error);
      }
    }
    return { attributes, accepted, rejected };
  }

  /**
   * One compare-and-set of `attributes` over `version`: `'updated'` (and every session in `sessions` marked
   * stored), `'conflict'` if another writer got there first, `'gone'` if the session expired. Encoding errors
   * are thrown before anything is written; store failures are thrown typed.
   */
  async #compareAndSet(
    sessions: Session<T>[],
    attributes: SessionData,
    version: number,
  ): Promise<'updated' | 'conflict' | 'gone'> {
    const { createdAt, userId } = sessions[0]!;
    const now = this.#clock.now();
    const expiresAt = this.#deadline(createdAt, now);
    if (expiresAt <= now) return 'gone';
    const stored = this.#encode(sessions[0]!.key, 'update', createdAt, attributes, version + 1, expiresAt, userId);
    // Called directly, as in `load`: this is the write of every request that changed something.
    let written: boolean;
    try {
      written = await this.store.update(sessions[0]!.key, stored, version);
    } catch (error) {
      throw this.#storeFailure('update', error);
    }
    if (!written) return 'conflict';
    for (const session of sessions) session.markStored(attributes, version + 1, expiresAt);
    return 'updated';
  }

  /**
   * Waits before retrying after lost `attempt` (then emits `retry`), or throws {@link ContentionError} if the
   * retry deadline has passed.
   */
  async #backOff(key: string, attempt: number, deadline: number, operation: 'commit' | 'update'): Promise<void> {
    await waitBeforeRetry(attempt, deadline, this.#retry, { store: this.store.name, operation });
    this.#events.emit('retry', { key, attempt: attempt + 1, operation });
  }

  async #touchIfDue(session: Session<T>): Promise<CommitResult> {
    const now = this.#clock.now();
    const expiresAt = this.#deadline(session.createdAt, now);
    if (expiresAt <= now) return this.#gone(session);
    const due = this.#touchDue(session, expiresAt);
    this.#events.emit('touch', { key: session.key, written: due });
    if (!due) return { status: 'unchanged' };
    const touched = await this.#call('touch', () => this.store.touch(session.key, expiresAt));
    if (!touched) return this.#gone(session);
    session.markTouched(expiresAt);
    return { status: 'touched' };
  }

  /** Whether moving the deadline of an unchanged session to `expiresAt` is worth a store write yet. */
  #touchDue(session: Session<T>, expiresAt: number): boolean {
    return expiresAt - session.expiresAt >= Math.max(this.#touchAfter, 1);
  }

  #gone(session: Session<T>): CommitResult {
    session.markDestroyed();
    return { status: 'gone' };
  }

  async #enforceUserLimit(userId: string): Promise<void> {
    const limit = this.#userSessionLimit;
    if (!limit) return;
    const entries = await this.#call('listByUser', () => this.store.listByUser(userId));
    const excess = entries.length - limit.max + 1;
    if (excess <= 0) return;
    if (limit.onLimit === 'refuse') throw new SessionLimitError(limit.max, { operation: 'create' });
    const oldest = [...entries].sort((a, b) => a.expiresAt - b.expiresAt).slice(0, excess);
    await this.#destroyKeys(
      oldest.map((entry) => entry.key),
      'limit',
    );
  }

  async #destroyKeys(keys: string[], reason: SessionEvents['destroyed']['reason']): Promise<number> {
    const results = await Promise.all(keys.map((key) => this.#call('delete', () => this.store.delete(key))));
    keys.forEach((key, index) => {
      if (results[index]) this.#events.emit('destroyed', { key, reason });
    });
    return results.filter(Boolean).length;
  }

  /**
   * Decodes a stored record, or reports why it reads as missing. Resolves only the decoded part: callers take
   * version, deadline and owner from `stored` itself, so no merged copy is made.
   */
  #readStored(key: string, stored: StoredSession | null): SessionRecord | null {
    if (!stored) return null;
    const now = this.#clock.now();
    if (stored.expiresAt <= now) {
      this.#events.emit('expired', { key });
      return null;
    }
    let record: SessionRecord;
    try {
      record = this.#codec.decode(stored.data, { key });
    } catch (error) {
      this.#events.emit('corrupt', { key, error });
      return null;
    }
    if (record.createdAt + this.#absoluteTimeout <= now) {
      this.#events.emit('expired', { key });
      return null;
    }
    return record;
  }

  #encode(
    key: string,
    operation: string,
    createdAt: number,
    attributes: SessionData,
    version: number,
    expiresAt: number,
    userId: string | undefined,
  ): StoredSession {
    let data: Uint8Array;
    try {
      data = this.#codec.encode({ createdAt, attributes }, { key });
    } catch (error) {
      throw toSessionKitError(error, 'SERIALIZATION', `codec "${this.#codec.name}" could not encode the session`, {
        operation,
      });
    }
    if (data.byteLength > this.#maxPayloadBytes) {
      throw new PayloadTooLargeError(data.byteLength, this.#maxPayloadBytes, { operation });
    }
    const stored: StoredSession = { data, version, expiresAt };
    if (userId !== undefined) stored.userId = userId;
    return stored;
  }

  /** The deadline of a session created at `createdAt` and used at `now`: min(idle, absolute). */
  #deadline(createdAt: number, now: number): number {
    return Math.min(now + this.#idleTimeout, createdAt + this.#absoluteTimeout);
  }

  /**
   * Runs a store call, reporting failures as `storeError` events and rethrowing them typed. The per-request
   * calls (`get` in `load`, `update` in a commit) do the same inline with {@link #storeFailure}.
   */
  #call<R>(operation: string, run: () => Promise<R>): Promise<R> {
    let pending: Promise<R>;
    try {
      pending = run();
    } catch (error) {
      return Promise.reject(this.#storeFailure(operation, error));
    }
    return pending.catch((error: unknown) => {
      throw this.#storeFailure(operation, error);
    });
  }

  #storeFailure(operation: string, error: unknown): SessionKitError {
    // A store that could not settle a conditional write under contention (e.g. Cassandra's Paxos rounds kept
    // colliding) throws a ConflictError; its outcome is for a retry to decide, not the client: contention.
    const typed =
      error instanceof ConflictError && !(error instanceof ContentionError)
        ? new ContentionError(error.message, { store: this.store.name, operation, cause: error })
        : toSessionKitError(error, 'STORE_UNAVAILABLE', `store "${this.store.name}" failed`, {
            store: this.store.name,
            operation,
          });
    this.#events.emit('storeError', { operation, error: typed });
    return typed;
  }
}

/** A commit waiting on its session's write lane. */
interface CommitEntry<T extends SessionData> extends LaneEntry {
  session: Session<T>;
  resolve(result: CommitResult): void;
}

const UPDATED: CommitResult = Object.freeze({ status: 'updated' });

/** Whether an error came from the store (as opposed to encoding the session). */
function isStoreError(error: unknown): boolean {
  return error instanceof SessionKitError && (error.store !== undefined || error.code === 'STORE_UNAVAILABLE');
}

/** Fails each rejected request of a batch with its own error. */
function settle<T extends SessionData>(rejected: Map<CommitEntry<T>, unknown> | undefined): void {
  if (rejected) for (const [entry, error] of rejected) entry.reject(error);
}

function requirePositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
}

/** The per-user limit the manager enforces: the configured one, checked against the store's hard bound. */
function resolveUserSessionLimit(
  store: SessionStore,
  limit: UserSessionLimit | undefined,
): UserSessionLimit | undefined {
  const bound = store.capabilities.maxSessionsPerUser;
  if (limit === undefined) return bound === undefined ? undefined : { max: bound, onLimit: 'evict-oldest' };
  requirePositive('userSessionLimit.max', limit.max);
  if (limit.onLimit !== 'evict-oldest' && limit.onLimit !== 'refuse') {
    throw new ConfigurationError(`userSessionLimit.onLimit must be 'evict-oldest' or 'refuse'`);
  }
  if (!store.capabilities.userIndex) {
    throw new ConfigurationError(`userSessionLimit needs a store with a user index; "${store.name}" has none`);
  }
  if (bound !== undefined && limit.max > bound) {
    throw new ConfigurationError(
      `userSessionLimit.max ${limit.max} is above the ${bound} sessions per user that "${store.name}" can index`,
    );
  }
  return limit;
}
