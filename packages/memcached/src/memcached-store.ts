/**
 * {@link MemcachedSessionStore}: the SessionKit store on memcached through memjs.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ReadOptions, SessionStore, StoreCapabilities, StoredSession, UserSessionEntry } from '@sessionkit/core';
import {
  assertPayloadFits,
  assertValidExpiry,
  assertValidKey,
  assertValidRecord,
  assertValidUserId,
  ConfigurationError,
  ConflictError,
  isLive,
  StoreClosedError,
  StoreTimeoutError,
  withDeadline,
} from '@sessionkit/core';
import type { Client } from 'memjs';
import memjs from 'memjs';
import type { CachedFrame } from './cas-tokens.js';
import { CasTokenCache } from './cas-tokens.js';
import type { FullKey, MemcachedResponse } from './connection.js';
import { ServerConnection } from './connection.js';
import { memcachedStatusError } from './errors.js';
import type { MemcachedSessionStoreOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import type { Cas } from './protocol.js';
import {
  buildDelete,
  buildGet,
  buildNoop,
  buildStore,
  buildStoreWith,
  casToBigInt,
  MAX_KEY_BYTES,
  NO_CAS,
  Opcode,
  Status,
} from './protocol.js';
import type { SessionFrame } from './record.js';
import { decodeRecord, encodeRecord, recordLength, userIdBytesOf, writeRecord } from './record.js';
import { HashRing } from './ring.js';
import { TTL_GRANULARITY_MS, toExptime } from './ttl.js';
import type { IndexBackend } from './user-index.js';
import { UserIndex } from './user-index.js';

/** A key's current item: its CAS and decoded frame. */
interface Current {
  cas: Cas;
  frame: SessionFrame;
}

/**
 * A {@link SessionStore} on one or many memcached servers.
 *
 * - Keys are `keyPrefix + key`, placed on a ketama-style consistent-hash ring of the servers (MD5, 160
 *   points per server), so adding or removing one of N servers moves about 1/N of the sessions.
 * - `create` is an ADD; `update` and `touch` are a GET (or the CAS remembered from this process's last
 *   `get`) followed by a SET carrying the CAS: memcached applies it only if the item is unchanged, and never
 *   recreates an item that was deleted meanwhile (KEY_ENOENT).
 * - The value is framed with version, exact `expiresAt` and owner (see `record.ts`); reads filter by
 *   `expiresAt` because memcached's TTL has 1 s granularity.
 * - A per-user index item with a bounded, CAS-maintained list of sessions (see `user-index.ts`).
 * - A failed server is never taken off the ring: only the keys it owns fail, with a typed
 *   `StoreUnavailableError`, and it serves again as soon as it is back (memjs reconnects on the next
 *   request). memjs's `failover` would move its keys to another server, where a CAS written before the
 *   failure means nothing and where the old copy would reappear once the server returns.
 *
 * @example
 * ```ts
 * const store = new MemcachedSessionStore({ servers: ['127.0.0.1:21211', '127.0.0.1:21212'] });
 * await store.connect();
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
  readonly #casTokens: CasTokenCache;
  readonly #index: UserIndex;
  readonly #keyPrefix: string;
  #connecting: Promise<void> | undefined;
  #closed = false;

  /** @throws ConfigurationError on invalid options */
  constructor(options: MemcachedSessionStoreOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.name = o.name;
    this.#keyPrefix = o.keyPrefix;
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
        // memjs's per-request and connect socket timeouts; the store's deadline (withDeadline) is the one
        // callers see. A refused connection fails at once whatever these are (see connection.ts).
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
    this.#casTokens = new CasTokenCache(o.casCacheSize, o.casCacheMs);
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

  /**
   * Resolves once every server has answered a NOOP; idempotent (later calls resolve at once). Optional: the
   * store also connects lazily, server by server, on first use. Rejects with a `StoreUnavailableError`
   * naming the first server that failed (a refused connection at once, with memjs's error as `cause`), or a
   * `StoreTimeoutError` after `operationTimeoutMs`; a later call tries again.
   */
  async connect(): Promise<void> {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation: 'connect' });
    this.#connecting ??= this.#run('connect', () => this.#pingAll());
    try {
      await this.#connecting;
    } catch (error) {
      this.#connecting = undefined;
      throw error;
    }
  }

  // ---------------------------------------------------------------- SessionStore

  /**
   * Reads a live record. Both consistency levels read the key's only copy on its owning server. An evicted
   * session reads as `null` (logged out); a value that is not a valid frame reads as `null` too.
   */
  async get(key: string, _options?: ReadOptions): Promise<StoredSession | null> {
    assertValidKey(this.name, 'get', key);
    const full = this.#backendKey(key, 'get');
    const r = await this.#run('get', () => this.#get(full, 'get'));
    if (r.status === Status.KEY_NOT_FOUND) {
      this.#casTokens.delete(key);
      return null;
    }
    if (r.status !== Status.OK) this.#fail(r, 'get');
    const frame = decodeRecord(r.value); // a value that is not a valid frame reads as missing
    const now = this.#o.clock.now();
    // Memcached may still hold the item for up to a second past expiresAt (1 s TTL granularity): the exact
    // deadline in the frame decides.
    if (!frame || !isLive(frame.expiresAt, now)) {
      this.#casTokens.delete(key);
      return null;
    }
    this.#casTokens.set(key, casToBigInt(r.cas), headerOf(frame), now);
    return toStored(frame);
  }

  /**
   * Inserts if no live record has the key: memcached ADD. An item that memcached still holds but that is
   * past its `expiresAt` (or malformed) does not count as live and is replaced under its CAS. A user whose
   * index already holds `maxSessionsPerUser` live sessions gets a `SessionLimitError` and nothing stays
   * stored.
   */
  async create(key: string, session: StoredSession): Promise<boolean> {
    assertValidRecord(this.name, 'create', key, session);
    assertPayloadFits(this.name, 'create', session.data, this.#o.maxPayloadBytes);
    const full = this.#backendKey(key, 'create');
    return await this.#run('create', () => this.#add(key, full, session));
  }

  /**
   * Compare-and-set on `version`, implemented with memcached CAS: the version is checked on the item read
   * (or remembered from this process's last `get`), and the SET carries that item's CAS, so it only lands
   * if nothing changed in between. The userId stays the one set at create.
   */
  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    assertValidRecord(this.name, 'update', key, session);
    assertPayloadFits(this.name, 'update', session.data, this.#o.maxPayloadBytes);
    const full = this.#backendKey(key, 'update');
    const now = this.#o.clock.now();
    const cached = this.#casTokens.get(key, now);
    // Fast path: right after this process's own get of the key, one CAS SET with the CAS it saw.
    if (cached !== undefined && cached.frame.version === expectedVersion && isLive(cached.frame.expiresAt, now)) {
      const h = cached.frame;
      const frame: SessionFrame = {
        version: session.version,
        expiresAt: session.expiresAt,
        indexUntil: h.indexUntil,
        userId: h.userId,
        data: session.data,
      };
      if (!needsIndexRefresh(frame)) {
        const started = performance.now();
        const uid = userIdBytesOf(frame);
        const size = recordLength(frame, uid);
        const exptime = toExptime(frame.expiresAt, now);
        const r = await this.#run('update', () =>
          this.#sendFrame(full, frame, uid, size, exptime, cached.cas, 'update'),
        );
        if (r.status === Status.OK) {
          this.#casTokens.set(key, casToBigInt(r.cas), headerOf(frame), now);
          return true;
        }
        this.#casTokens.delete(key);
        if (r.status === Status.KEY_NOT_FOUND) return false; // deleted or evicted: never resurrected
        if (r.status !== Status.KEY_EXISTS) this.#fail(r, 'update', size);
        // Changed since our get (e.g. a touch, or another process's update): decide on a fresh read, within
        // what is left of the operation's deadline.
        const left = this.#o.operationTimeoutMs - (performance.now() - started);
        if (left < 1)
          throw new StoreTimeoutError(this.#o.operationTimeoutMs, { store: this.name, operation: 'update' });
        return await this.#run(
          'update',
          () => this.#casLoop(key, full, 'update', updateTo(session, expectedVersion)),
          left,
        );
      }
    }
    return await this.#run('update', () => this.#casLoop(key, full, 'update', updateTo(session, expectedVersion)));
  }

  /**
   * Moves `expiresAt` of a live record (CAS write of the same frame); never resurrects a missing one. Always
   * reads first: the remembered CAS has no data to write back.
   */
  async touch(key: string, expiresAt: number): Promise<boolean> {
    assertValidKey(this.name, 'touch', key);
    assertValidExpiry(this.name, 'touch', expiresAt);
    const full = this.#backendKey(key, 'touch');
    return await this.#run('touch', () => this.#casLoop(key, full, 'touch', (current) => ({ ...current, expiresAt })));
  }

  /**
   * Deletes the record. Resolves true only if it was live (a record memcached still holds past its
   * `expiresAt` is deleted too, but counts as not live). The user index entry is pruned lazily.
   */
  async delete(key: string): Promise<boolean> {
    assertValidKey(this.name, 'delete', key);
    const full = this.#backendKey(key, 'delete');
    return await this.#run('delete', async () => {
      this.#casTokens.delete(key);
      const r = await this.#get(full, 'delete');
      if (r.status === Status.KEY_NOT_FOUND) return false;
      if (r.status !== Status.OK) this.#fail(r, 'delete');
      const frame = decodeRecord(r.value);
      const live = frame !== null && isLive(frame.expiresAt, this.#o.clock.now());
      const d = await this.#remove(full, NO_CAS, 'delete');
      if (d.status === Status.OK) return live;
      if (d.status === Status.KEY_NOT_FOUND) return false;
      return this.#fail(d, 'delete');
    });
  }

  /** The live sessions of `userId`, read through its index; each entry is verified against its session. */
  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    assertValidUserId(this.name, 'listByUser', userId);
    return await this.#run('listByUser', () => this.#index.list(userId, 'listByUser'));
  }

  /** Deletes every session of `userId`; resolves how many live sessions were deleted. */
  async deleteByUser(userId: string): Promise<number> {
    assertValidUserId(this.name, 'deleteByUser', userId);
    return await this.#run('deleteByUser', () => this.#index.deleteAll(userId, 'deleteByUser'));
  }

  /**
   * Closes the memjs client if this store created it (a `client` passed in is left open). Further calls
   * reject with `StoreClosedError`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#casTokens.clear();
    if (this.#ownsClient) this.#client.close();
  }

  // ---------------------------------------------------------------- diagnostics

  /** `host:port` of the server that owns `key` (for diagnostics and tests). */
  serverFor(key: string): string {
    return this.#ring.get(this.#backendKey(key, 'serverFor').text).address;
  }

  /** `host:port` of every server, in ring order of construction. */
  get servers(): string[] {
    return this.#connections.map((c) => c.address);
  }

  // ---------------------------------------------------------------- operations

  /** Runs one public operation: closed check, deadline (`operationTimeoutMs` unless less is left), typed errors. */
  #run<T>(operation: string, fn: () => Promise<T>, timeoutMs = this.#o.operationTimeoutMs): Promise<T> {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
    return withDeadline(this.name, operation, timeoutMs, fn);
  }

  /** A NOOP to every server, at once; the first failure rejects. */
  async #pingAll(): Promise<void> {
    await Promise.all(
      this.#connections.map(async (connection) => {
        const r = await connection.send('connect', buildNoop);
        if (r.status !== Status.OK) this.#fail(r, 'connect');
      }),
    );
  }

  /** The body of `create`: ADD (or replace a dead item under its CAS), then the index entry. */
  async #add(key: string, full: FullKey, session: StoredSession): Promise<boolean> {
    const o = this.#o;
    const now = o.clock.now();
    const uid = session.userId === undefined ? undefined : Buffer.from(session.userId, 'utf8');
    const frame: SessionFrame = {
      version: session.version,
      expiresAt: session.expiresAt,
      // The index write below keeps the index item alive until at least expiresAt + grace.
      indexUntil: uid ? Math.max(session.expiresAt, now) + o.userIndexGraceMs : 0,
      userId: session.userId,
      data: session.data,
    };
    const value = encodeRecord(frame, uid);
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
        // No live session may exist outside its user's index (and a refused one must not stay): undo the
        // ADD, only if the item is still ours.
        await this.#remove(full, cas, 'create').catch(() => {});
        throw error;
      }
    }
    this.#casTokens.set(key, casToBigInt(cas), headerOf(frame), now);
    return true;
  }

  /**
   * The CAS loop shared by update and touch: read (GET with CAS), let `next` build the new frame (or refuse
   * with null: version mismatch), CAS SET; on KEY_EEXISTS read again, at most `maxCasAttempts` times.
   * Resolves false if the record is missing, expired or refused.
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
        this.#casTokens.delete(key);
        return false;
      }
      const frame = next(current.frame);
      if (!frame) return false;
      if (needsIndexRefresh(frame)) {
        // The session would outlive the index item that lists it: extend the index first.
        frame.indexUntil = await this.#index.upsert(frame.userId!, key, frame.expiresAt, 'refresh', operation);
      }
      const uid = userIdBytesOf(frame);
      const size = recordLength(frame, uid);
      const r = await this.#sendFrame(full, frame, uid, size, toExptime(frame.expiresAt, now), current.cas, operation);
      if (r.status === Status.OK) {
        // Remember the new CAS (an update followed by another update is one SET), not the data.
        this.#casTokens.set(key, casToBigInt(r.cas), headerOf(frame), now);
        return true;
      }
      this.#casTokens.delete(key);
      // KEY_ENOENT: deleted (or evicted) since the read; a CAS write never brings it back.
      if (r.status === Status.KEY_NOT_FOUND) return false;
      // KEY_EEXISTS: changed since the read (another update or a touch): re-read and decide again.
      if (r.status !== Status.KEY_EXISTS) this.#fail(r, operation, size);
    }
    throw new ConflictError(`key kept changing during ${o.maxCasAttempts} attempts`, { store: this.name, operation });
  }

  /** GET + decode. `null` when missing or malformed (a frame that does not parse reads as missing). */
  async #readCurrent(full: FullKey, operation: string): Promise<Current | null> {
    const r = await this.#get(full, operation);
    if (r.status === Status.KEY_NOT_FOUND) return null;
    if (r.status !== Status.OK) this.#fail(r, operation);
    const frame = decodeRecord(r.value);
    return frame ? { cas: r.cas, frame } : null;
  }

  // ---------------------------------------------------------------- keys and raw requests

  /**
   * `keyPrefix + key`, as text (what the ring hashes) and bytes. Memcached refuses keys over 250 bytes, so a
   * longer one is refused here, tagged with the `operation`, before anything is sent.
   */
  #backendKey(key: string, operation: string): FullKey {
    const text = this.#keyPrefix + key;
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > MAX_KEY_BYTES) {
      throw new ConfigurationError(
        `keyPrefix + key is ${bytes.length} bytes; memcached keys are at most ${MAX_KEY_BYTES}`,
        {
          store: this.name,
          operation,
        },
      );
    }
    return { text, bytes };
  }

  /** The index key: the userId is hashed so any userId gives a short, valid key. */
  #indexKey(userId: string): FullKey {
    const text = `${this.#keyPrefix}~user~${createHash('sha256').update(userId, 'utf8').digest('base64url')}`;
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
    return this.#ring
      .get(full.text)
      .send(
        operation,
        (opaque) =>
          buildStoreWith(
            Opcode.SET,
            full.bytes,
            size,
            (target, offset) => writeRecord(target, offset, frame, uid),
            exptime,
            opaque,
            cas,
          ).request,
      );
  }

  #remove(full: FullKey, cas: Cas, operation: string): Promise<MemcachedResponse> {
    return this.#ring.get(full.text).send(operation, (opaque) => buildDelete(full.bytes, opaque, cas));
  }

  /** Throws the typed error for an unexpected response status (`size`: the bytes a write tried to store). */
  #fail(r: MemcachedResponse, operation: string, size?: number): never {
    throw memcachedStatusError(this.name, operation, r.status, size ?? 0, this.#o.maxItemBytes);
  }

  #indexBackend(): IndexBackend {
    const o = this.#o;
    return {
      storeName: this.name,
      maxSessionsPerUser: o.maxSessionsPerUser,
      graceMs: o.userIndexGraceMs,
      maxCasAttempts: o.maxCasAttempts,
      now: () => o.clock.now(),
      indexKey: (userId) => this.#indexKey(userId),
      backendKey: (key) => this.#backendKey(key, 'index'),
      get: (full, op) => this.#get(full, op),
      store: (opcode, full, value, exptime, cas, op) => this.#store(opcode, full, value, exptime, cas, op),
      remove: (full, cas, op) => this.#remove(full, cas, op),
      fail: (r, op, size) => this.#fail(r, op, size),
    };
  }
}

/** The `next` step of an update's CAS loop: the caller's record if the stored version is the expected one. */
function updateTo(session: StoredSession, expectedVersion: number): (current: SessionFrame) => SessionFrame | null {
  return (current) =>
    current.version === expectedVersion
      ? {
          version: session.version,
          expiresAt: session.expiresAt,
          indexUntil: current.indexUntil,
          userId: current.userId,
          data: session.data,
        }
      : null;
}

/** Whether a session with this frame would outlive the index item that lists it. */
function needsIndexRefresh(frame: SessionFrame): boolean {
  return frame.userId !== undefined && frame.expiresAt > frame.indexUntil;
}

function headerOf(frame: SessionFrame): CachedFrame {
  return { version: frame.version, expiresAt: frame.expiresAt, indexUntil: frame.indexUntil, userId: frame.userId };
}

function toStored(frame: SessionFrame): StoredSession {
  // A copy: `frame.data` views memjs's receive buffer (often one chunk holding many responses), which the
  // caller would otherwise keep alive, and which memjs may hand out again. From Node's buffer pool when small.
  const n = frame.data.byteLength;
  const copy = Buffer.allocUnsafe(n);
  copy.set(frame.data);
  const s: StoredSession = {
    data: new Uint8Array(copy.buffer, copy.byteOffset, n),
    version: frame.version,
    expiresAt: frame.expiresAt,
  };
  if (frame.userId !== undefined) s.userId = frame.userId;
  return s;
}
