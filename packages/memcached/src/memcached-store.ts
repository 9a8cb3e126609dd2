/**
 * {@link MemcachedSessionStore}: the SessionKit store on memcached through memjs.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import memjs from 'memjs';
import type { Client } from 'memjs';
import {
  ConfigurationError,
  ConflictError,
  PayloadTooLargeError,
  StoreClosedError,
  StoreUnavailableError,
  assertPayloadFits,
  assertValidKey,
  assertValidRecord,
  isLive,
  withDeadline,
} from '@sessionkit/core';
import type {
  ReadOptions,
  SessionStore,
  StoreCapabilities,
  StoredSession,
  UserSessionEntry,
} from '@sessionkit/core';
import { CasCache } from './cas-cache.js';
import type { CachedFrame } from './cas-cache.js';
import { ServerConnection } from './connection.js';
import type { FullKey, MemcachedResponse } from './connection.js';
import { TTL_GRANULARITY_MS, toExptime } from './expiry.js';
import {
  MAX_USER_ID_BYTES,
  decodeSession,
  encodeSession,
  sessionFrameLength,
  userIdBytesOf,
  writeSession,
} from './frame.js';
import type { SessionFrame } from './frame.js';
import { resolveOptions } from './options.js';
import type { MemcachedStoreOptions, ResolvedOptions } from './options.js';
import {
  MAX_KEY_BYTES,
  NO_CAS,
  Opcode,
  Status,
  buildDelete,
  buildGet,
  buildStore,
  buildStoreWith,
  casToBigInt,
} from './protocol.js';
import type { Cas } from './protocol.js';
import { HashRing } from './ring.js';
import { UserIndex } from './user-index.js';
import type { IndexBackend } from './user-index.js';

/** A key's current item: its CAS and decoded frame. */
interface Current {
  cas: Cas;
  frame: SessionFrame;
}

/**
 * A {@link SessionStore} on one or many memcached servers.
 *
 * - Keys are `prefix + key`, placed on a ketama-style consistent-hash ring of the servers (MD5, 160 points
 *   per server), so adding or removing one of N servers moves about 1/N of the sessions.
 * - `create` is an ADD; `update` and `touch` are a GET (or the CAS remembered from this process's last
 *   `get`) followed by a SET carrying the CAS: memcached applies it only if the item is unchanged, and never
 *   recreates an item that was deleted meanwhile (KEY_ENOENT).
 * - The value is framed with version, exact `expiresAt` and owner (see `frame.ts`); reads filter by
 *   `expiresAt` because memcached's TTL has 1 s granularity.
 * - A per-user index item with a bounded, CAS-maintained list of sessions (see `user-index.ts`).
 * - A failed server is never taken off the ring: only the keys it owns fail, with a typed
 *   {@link StoreUnavailableError}, and it serves again as soon as it is back (memjs reconnects on the next
 *   request). memjs's `failover` would move its keys to another server, where a CAS written before the
 *   failure means nothing and where the old copy would reappear once the server returns.
 *
 * @example
 * ```ts
 * const store = new MemcachedSessionStore({ servers: ['127.0.0.1:21211', '127.0.0.1:21212'] });
 * await store.create(key, { data, version: 1, expiresAt: Date.now() + 3_600_000, userId: 'u1' });
 * ```
 */
export class MemcachedSessionStore implements SessionStore {
  /** Store name used in errors. */
  readonly name: string;
  /** Declared capabilities. */
  readonly capabilities: StoreCapabilities;
  readonly #o: ResolvedOptions;
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #ring: HashRing<ServerConnection>;
  readonly #connections: readonly ServerConnection[];
  readonly #cas: CasCache;
  readonly #index: UserIndex;
  readonly #prefix: string;
  #closed = false;

  /** @throws ConfigurationError on invalid options */
  constructor(options: MemcachedStoreOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.name = o.name;
    this.#prefix = o.prefix;
    if (options.client) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else {
      const timeoutSeconds = o.operationTimeoutMs / 1000;
      this.#client = memjs.Client.create(o.servers!.join(','), {
        // No retries and no failover: the store's own requests bypass them anyway (see connection.ts); this
        // keeps memjs's own commands on the same client consistent with that.
        retries: 1,
        failover: false,
        // memjs's per-request socket timeout; the store's deadline (withDeadline) is the one callers see.
        timeout: timeoutSeconds,
        conntimeout: timeoutSeconds,
        keepAlive: true,
        logger: { log: () => {} },
        ...options.memjsOptions,
      });
      this.#ownsClient = true;
    }
    const servers = this.#client.servers;
    if (!servers || servers.length === 0) {
      throw new ConfigurationError('the memjs client has no servers', { store: this.name });
    }
    this.#connections = servers.map((s) => new ServerConnection(this.#client, s, this.name));
    this.#ring = new HashRing(
      this.#connections.map((c) => ({ id: c.address, node: c })),
      o.virtualNodes,
    );
    this.#cas = new CasCache(o.casCacheSize, o.casCacheMs);
    this.capabilities = Object.freeze({
      userIndex: true,
      ttlGranularityMs: TTL_GRANULARITY_MS,
      maxPayloadBytes: o.maxPayloadBytes,
      // One copy of each key on one server: every read is already as fresh as it gets.
      strongReads: false,
      maxSessionsPerUser: o.maxSessionsPerUser,
    });
    this.#index = new UserIndex(this.#indexBackend());
  }

  /** `host:port` of the server that owns `key` (for diagnostics and tests). */
  serverFor(key: string): string {
    return this.#ring.get(this.#sessionKey(key, 'serverFor').text).address;
  }

  /** `host:port` of every server, in ring order of construction. */
  get servers(): string[] {
    return this.#connections.map((c) => c.address);
  }

  // ---------------------------------------------------------------- keys and raw requests

  /** `prefix + key`; memcached refuses keys over 250 bytes, so they are refused here first. */
  #sessionKey(key: string, operation: string): FullKey {
    const text = this.#prefix + key;
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > MAX_KEY_BYTES) {
      throw new ConfigurationError(`prefix + key is ${bytes.length} bytes; memcached keys are at most ${MAX_KEY_BYTES}`, {
        store: this.name,
        operation,
      });
    }
    return { text, bytes };
  }

  /** The index key: the userId is hashed so any userId gives a short, valid key. */
  #indexKey(userId: string): FullKey {
    const text = `${this.#prefix}~user~${createHash('sha256').update(userId, 'utf8').digest('base64url')}`;
    return { text, bytes: Buffer.from(text, 'utf8') };
  }

  #get(full: FullKey, operation: string): Promise<MemcachedResponse> {
    return this.#ring.get(full.text).send(operation, (opaque) => buildGet(full.bytes, opaque));
  }

  #store(
    opcode: typeof Opcode.SET | typeof Opcode.ADD,
    full: FullKey,
    value: Buffer,
    exptime: number,
    cas: Cas,
    operation: string,
  ): Promise<MemcachedResponse> {
    return this.#ring
      .get(full.text)
      .send(operation, (opaque) => buildStore(opcode, full.bytes, value, exptime, opaque, cas));
  }

  /** A CAS SET of a session frame, encoded straight into the request (no intermediate value buffer). */
  #sendFrame(
    full: FullKey,
    frame: SessionFrame,
    uid: Buffer | undefined,
    size: number,
    exptime: number,
    cas: Cas,
    operation: string,
  ): Promise<MemcachedResponse> {
    return this.#ring.get(full.text).send(
      operation,
      (opaque) =>
        buildStoreWith(
          Opcode.SET,
          full.bytes,
          size,
          (target, offset) => writeSession(target, offset, frame, uid),
          exptime,
          opaque,
          cas,
        ).request,
    );
  }

  #remove(full: FullKey, cas: Cas, operation: string): Promise<MemcachedResponse> {
    return this.#ring.get(full.text).send(operation, (opaque) => buildDelete(full.bytes, opaque, cas));
  }

  /** Turns an unexpected response status into a typed error. */
  #fail(r: MemcachedResponse, operation: string, size?: number): never {
    if (r.status === Status.VALUE_TOO_LARGE) {
      // The server's item limit is smaller than `maxItemBytes` says (memcached -I): nothing was stored.
      throw new PayloadTooLargeError(size ?? 0, this.#o.maxItemBytes, { store: this.name, operation });
    }
    throw new StoreUnavailableError(`memcached answered status 0x${r.status.toString(16).padStart(4, '0')}`, {
      store: this.name,
      operation,
    });
  }

  #indexBackend(): IndexBackend {
    const o = this.#o;
    return {
      storeName: this.name,
      maxSessionsPerUser: o.maxSessionsPerUser,
      onUserIndexFull: o.onUserIndexFull,
      graceMs: o.userIndexGraceMs,
      maxCasAttempts: o.maxCasAttempts,
      now: () => o.clock.now(),
      indexKey: (userId) => this.#indexKey(userId),
      sessionKey: (key) => this.#sessionKey(key, 'index'),
      get: (full, op) => this.#get(full, op),
      store: (opcode, full, value, exptime, cas, op) => this.#store(opcode, full, value, exptime, cas, op),
      remove: (full, cas, op) => this.#remove(full, cas, op),
      fail: (r, op, size) => this.#fail(r, op, size),
    };
  }

  /** Runs one public operation: closed check, deadline, typed errors. */
  #run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreClosedError({ store: this.name, operation }));
    return withDeadline(this.name, operation, this.#o.operationTimeoutMs, fn);
  }

  /** GET + decode. `null` when missing or malformed (a frame that does not parse reads as missing). */
  async #readCurrent(full: FullKey, operation: string): Promise<Current | null> {
    const r = await this.#get(full, operation);
    if (r.status === Status.KEY_NOT_FOUND) return null;
    if (r.status !== Status.OK) this.#fail(r, operation);
    const frame = decodeSession(r.value);
    return frame ? { cas: r.cas, frame } : null;
  }

  #userIdBytes(userId: string | undefined, operation: string): Buffer | undefined {
    if (userId === undefined) return undefined;
    if (typeof userId !== 'string') throw new ConfigurationError('userId must be a string', { store: this.name, operation });
    const bytes = Buffer.from(userId, 'utf8');
    if (bytes.length > MAX_USER_ID_BYTES) {
      throw new ConfigurationError(`userId must be at most ${MAX_USER_ID_BYTES} UTF-8 bytes`, {
        store: this.name,
        operation,
      });
    }
    return bytes;
  }

  // ---------------------------------------------------------------- SessionStore

  /**
   * Reads a live record. Both consistency levels read the key's only copy on its owning server. An evicted
   * session reads as `null` (logged out); a value that is not a valid frame reads as `null` too.
   */
  get(key: string, _options?: ReadOptions): Promise<StoredSession | null> {
    try {
      assertValidKey(this.name, 'get', key);
      const full = this.#sessionKey(key, 'get');
      // A plain `.then` chain rather than nested async functions: fewer promises per call on the hot path.
      return this.#run('get', () => this.#get(full, 'get').then((r) => this.#afterGet(key, r)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #afterGet(key: string, r: MemcachedResponse): StoredSession | null {
    if (r.status === Status.KEY_NOT_FOUND) {
      this.#cas.delete(key);
      return null;
    }
    if (r.status !== Status.OK) this.#fail(r, 'get');
    const frame = decodeSession(r.value); // a value that is not a valid frame reads as missing
    const now = this.#o.clock.now();
    // Memcached may still hold the item for up to a second past expiresAt (1 s TTL granularity): the exact
    // deadline in the frame decides.
    if (!frame || !isLive(frame.expiresAt, now)) {
      this.#cas.delete(key);
      return null;
    }
    this.#cas.set(key, casToBigInt(r.cas), headerOf(frame), now);
    return toStored(frame);
  }

  /**
   * Inserts if no live record has the key: memcached ADD. An item that memcached still holds but that is
   * past its `expiresAt` (or malformed) does not count as live and is replaced under its CAS.
   */
  create(key: string, session: StoredSession): Promise<boolean> {
    try {
      assertValidRecord(this.name, 'create', key, session);
      assertPayloadFits(this.name, 'create', session.data, this.#o.maxPayloadBytes);
      const uid = this.#userIdBytes(session.userId, 'create');
      const full = this.#sessionKey(key, 'create');
      return this.#run('create', async () => {
        const o = this.#o;
        const now = o.clock.now();
        const frame: SessionFrame = {
          version: session.version,
          expiresAt: session.expiresAt,
          // The index write below keeps the index item alive until at least expiresAt + grace.
          indexUntil: uid ? Math.max(session.expiresAt, now) + o.userIndexGraceMs : 0,
          userId: session.userId,
          data: session.data,
        };
        const value = encodeSession(frame, uid);
        const exptime = toExptime(session.expiresAt, now);
        let cas: Buffer | null = null;
        for (let attempt = 0; attempt < o.maxCasAttempts && cas === null; attempt++) {
          const added = await this.#store(Opcode.ADD, full, value, exptime, NO_CAS, 'create');
          if (added.status === Status.OK) {
            cas = added.cas;
            break;
          }
          if (added.status !== Status.KEY_EXISTS) this.#fail(added, 'create', value.length);
          const current = await this.#readCurrent(full, 'create');
          if (current && isLive(current.frame.expiresAt, o.clock.now())) return false;
          if (!current) {
            // Gone since the ADD, or malformed: a malformed item must be replaced, a gone one re-added.
            const raw = await this.#get(full, 'create');
            if (raw.status === Status.KEY_NOT_FOUND) continue;
            if (raw.status !== Status.OK) this.#fail(raw, 'create');
            const replaced = await this.#store(Opcode.SET, full, value, exptime, raw.cas, 'create');
            if (replaced.status === Status.OK) cas = replaced.cas;
            continue;
          }
          // Expired but not yet purged by memcached: replace exactly that item.
          const replaced = await this.#store(Opcode.SET, full, value, exptime, current.cas, 'create');
          if (replaced.status === Status.OK) cas = replaced.cas;
          else if (replaced.status !== Status.KEY_EXISTS && replaced.status !== Status.KEY_NOT_FOUND) {
            this.#fail(replaced, 'create', value.length);
          }
        }
        if (cas === null) {
          throw new ConflictError(`key kept changing during ${o.maxCasAttempts} attempts`, {
            store: this.name,
            operation: 'create',
          });
        }
        if (session.userId !== undefined) {
          try {
            await this.#index.upsert(session.userId, key, session.expiresAt, 'create', 'create');
          } catch (error) {
            // No live session may exist outside its user's index: undo the ADD (only if still ours).
            await this.#remove(full, cas, 'create').catch(() => {});
            throw error;
          }
        }
        this.#cas.set(key, casToBigInt(cas), headerOf(frame), now);
        return true;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Compare-and-set on `version`, implemented with memcached CAS: the version is checked on the item read
   * (or remembered from this process's last `get`), and the SET carries that item's CAS, so it only lands
   * if nothing changed in between. The userId stays the one set at create.
   */
  update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    try {
      assertValidRecord(this.name, 'update', key, session);
      assertPayloadFits(this.name, 'update', session.data, this.#o.maxPayloadBytes);
      const full = this.#sessionKey(key, 'update');
      return this.#run('update', () =>
        this.#casWrite(key, full, 'update', false, (current) =>
          current.version === expectedVersion
            ? {
                version: session.version,
                expiresAt: session.expiresAt,
                indexUntil: current.indexUntil,
                userId: current.userId,
                data: session.data,
              }
            : null,
        ),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Moves `expiresAt` of a live record (CAS write of the same frame); never resurrects a missing one. */
  touch(key: string, expiresAt: number): Promise<boolean> {
    try {
      assertValidKey(this.name, 'touch', key);
      if (!Number.isFinite(expiresAt)) {
        throw new ConfigurationError('expiresAt must be a finite epoch-millisecond number', {
          store: this.name,
          operation: 'touch',
        });
      }
      const full = this.#sessionKey(key, 'touch');
      return this.#run('touch', () => this.#casWrite(key, full, 'touch', true, (current) => ({ ...current, expiresAt })));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The CAS loop shared by update and touch. `next` returns the new frame, or null to refuse (version
   * mismatch). Resolves false if the record is missing, expired or refused.
   */
  #casWrite(
    key: string,
    full: FullKey,
    operation: string,
    keepsData: boolean,
    next: (current: SessionFrame) => SessionFrame | null,
  ): Promise<boolean> {
    // Fast path: an update right after this process's own get of the key sends one CAS SET with the CAS it
    // saw. A touch rewrites the data it read, and the cache keeps no data: only an update may skip the read.
    const now = this.#o.clock.now();
    const cached = keepsData ? undefined : this.#cas.get(key, now);
    if (cached && isLive(cached.frame.expiresAt, now)) {
      const h = cached.frame;
      // The update's `next` ignores the data it is given: it writes the caller's.
      const frame = next({ version: h.version, expiresAt: h.expiresAt, indexUntil: h.indexUntil, userId: h.userId, data: EMPTY });
      if (frame && !needsIndexRefresh(frame)) {
        const uid = userIdBytesOf(frame);
        const size = sessionFrameLength(frame, uid);
        return this.#sendFrame(full, frame, uid, size, toExptime(frame.expiresAt, now), cached.cas, operation).then((r) => {
          if (r.status === Status.OK) {
            this.#cas.set(key, casToBigInt(r.cas), headerOf(frame), now);
            return true;
          }
          this.#cas.delete(key);
          if (r.status === Status.KEY_NOT_FOUND) return false; // deleted or evicted: never resurrected
          if (r.status !== Status.KEY_EXISTS) this.#fail(r, operation, size);
          // Changed since our get (e.g. a touch, or another process's update): decide on a fresh read.
          return this.#casLoop(key, full, operation, next);
        });
      }
    }
    return this.#casLoop(key, full, operation, next);
  }

  /**
   * The CAS loop shared by update and touch: read (GET with CAS), let `next` build the new frame (or refuse
   * with null: version mismatch), CAS SET; on KEY_EEXISTS read again. Resolves false if the record is
   * missing, expired or refused.
   */
  async #casLoop(
    key: string,
    full: FullKey,
    operation: string,
    next: (current: SessionFrame) => SessionFrame | null,
  ): Promise<boolean> {
    const o = this.#o;
    for (let attempt = 0; attempt < o.maxCasAttempts; attempt++) {
      const current = await this.#readCurrent(full, operation);
      const now = o.clock.now();
      if (!current || !isLive(current.frame.expiresAt, now)) {
        this.#cas.delete(key);
        return false;
      }
      const frame = next(current.frame);
      if (!frame) return false;
      if (needsIndexRefresh(frame)) {
        // The session would outlive the index item that lists it: extend the index first.
        frame.indexUntil = await this.#index.upsert(frame.userId!, key, frame.expiresAt, 'refresh', operation);
      }
      const uid = userIdBytesOf(frame);
      const size = sessionFrameLength(frame, uid);
      const r = await this.#sendFrame(full, frame, uid, size, toExptime(frame.expiresAt, now), current.cas, operation);
      if (r.status === Status.OK) {
        // Remember the new CAS (an update followed by another update is one SET), not the data.
        this.#cas.set(key, casToBigInt(r.cas), headerOf(frame), now);
        return true;
      }
      this.#cas.delete(key);
      // KEY_ENOENT: deleted (or evicted) since the read — a CAS write never brings it back.
      if (r.status === Status.KEY_NOT_FOUND) return false;
      // KEY_EEXISTS: changed since the read (another update or a touch): re-read and decide again.
      if (r.status !== Status.KEY_EXISTS) this.#fail(r, operation, size);
    }
    throw new ConflictError(`key kept changing during ${o.maxCasAttempts} attempts`, { store: this.name, operation });
  }

  /**
   * Deletes the record. Resolves true only if it was live (a record memcached still holds past its
   * `expiresAt` is deleted too, but counts as not live). The user index entry is pruned lazily.
   */
  delete(key: string): Promise<boolean> {
    try {
      assertValidKey(this.name, 'delete', key);
      const full = this.#sessionKey(key, 'delete');
      return this.#run('delete', async () => {
        this.#cas.delete(key);
        const r = await this.#get(full, 'delete');
        if (r.status === Status.KEY_NOT_FOUND) return false;
        if (r.status !== Status.OK) this.#fail(r, 'delete');
        const frame = decodeSession(r.value);
        const live = frame !== null && isLive(frame.expiresAt, this.#o.clock.now());
        const d = await this.#remove(full, NO_CAS, 'delete');
        if (d.status === Status.OK) return live;
        if (d.status === Status.KEY_NOT_FOUND) return false;
        return this.#fail(d, 'delete');
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The live sessions of `userId`, read through its index; each entry is verified against its session. */
  listByUser(userId: string): Promise<UserSessionEntry[]> {
    try {
      this.#userIdBytes(userId, 'listByUser');
      return this.#run('listByUser', () => this.#index.list(userId, 'listByUser'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Deletes every session of `userId`; resolves how many live sessions were deleted. */
  deleteByUser(userId: string): Promise<number> {
    try {
      this.#userIdBytes(userId, 'deleteByUser');
      return this.#run('deleteByUser', () => this.#index.deleteAll(userId, 'deleteByUser'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Closes the memjs client if this store created it. Further calls reject with StoreClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cas.clear();
    if (this.#ownsClient) this.#client.close();
  }
}

const EMPTY = new Uint8Array(0);

/** Whether a session with this frame would outlive the index item that lists it. */
function needsIndexRefresh(frame: SessionFrame): boolean {
  return frame.userId !== undefined && frame.expiresAt > frame.indexUntil;
}

function headerOf(frame: SessionFrame): CachedFrame {
  return { version: frame.version, expiresAt: frame.expiresAt, indexUntil: frame.indexUntil, userId: frame.userId };
}

function toStored(frame: SessionFrame): StoredSession {
  // A copy: `frame.data` views memjs's receive buffer (often one chunk holding many responses), which the
  // caller would otherwise keep alive, and which memjs may hand out again.
  const n = frame.data.byteLength;
  const copy = Buffer.allocUnsafe(n); // small sizes come from Node's buffer pool: cheaper than an own ArrayBuffer
  copy.set(frame.data);
  const s: StoredSession = { data: new Uint8Array(copy.buffer, copy.byteOffset, n), version: frame.version, expiresAt: frame.expiresAt };
  if (frame.userId !== undefined) s.userId = frame.userId;
  return s;
}
