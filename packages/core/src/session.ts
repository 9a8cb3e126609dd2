/**
 * The in-memory handle of one session during one request: attribute reads and writes with per-key change
 * tracking, so that a commit writes only what changed and can merge it over a concurrent writer's changes.
 *
 * @module
 */
import type { SessionData } from './codec.js';
import { isSafeKey } from './codec.js';
import { SerializationError } from './errors.js';

/**
 * A function that computes an attribute's next value from its current one (`undefined` when absent; return
 * `undefined` to remove it). It must be pure and synchronous: when the commit loses a race it runs again on the
 * value the other writer stored.
 */
export type AttributeUpdater<V = unknown> = (current: V | undefined) => V | undefined;

/**
 * A pending change to one attribute.
 * - `'set'` / `'unset'`: a new value or removal. `readFirst` says whether this request read the stored value
 *   of the attribute before writing it (then the write was computed from what it read, and is stale if
 *   another request changed the attribute meanwhile); a write without a prior read is blind.
 * - `'update'`: only {@link Session.update} calls changed it: `value` is their result here (`undefined` =
 *   removed), and `updaters` run again, in order, on another writer's value when the commit loses a race.
 */
export type AttributeChange =
  | { readonly kind: 'set'; readonly value: unknown; readonly readFirst: boolean }
  | { readonly kind: 'unset'; readonly readFirst: boolean }
  | { readonly kind: 'update'; readonly value: unknown; readonly updaters: readonly AttributeUpdater[] };

/** State the manager hands to a {@link Session}; not part of the public surface. */
export interface SessionState {
  id: string;
  key: string;
  isNew: boolean;
  createdAt: number;
  expiresAt: number;
  version: number;
  userId: string | undefined;
  attributes: SessionData;
}

/**
 * One session. Read with {@link Session.get}, write with {@link Session.set} / {@link Session.unset}; nothing
 * reaches the store until `SessionManager.commit`.
 *
 * Change tracking is per top-level key and explicit: after mutating a nested object obtained from `get`,
 * call `set` with it again so the change is saved (the same rule as Spring Session's `setAttribute`).
 *
 * Reads are tracked too, so a commit that loses a race knows what each write was computed from: a `set`
 * after a `get`/`has`/`toJSON` of the same attribute is a read-then-write (rejected with a `ConflictError` if
 * another request changed that attribute meanwhile, by default); a `set` without a prior read is a blind write
 * (last write wins, by default); {@link update} records a function that is re-applied to the other
 * writer's value, so counters, carts and lists never lose a change.
 */
export class Session<T extends SessionData = SessionData> {
  /** The raw session ID: goes into the cookie, never into the store or logs. */
  readonly id: string;
  /** The store key: SHA-256 of the ID. Safe to log and to show as a handle. */
  readonly key: string;
  #isNew: boolean;
  #createdAt: number;
  #expiresAt: number;
  #version: number;
  #userId: string | undefined;
  /** Attributes as last read from or written to the store. */
  #base: SessionData;
  /** Attributes as this request sees them (base plus changes); a copy is made on the first write only. */
  #current: SessionData | undefined;
  /** Pending changes; made on the first write, so a request that only reads allocates no map. */
  #changes: Map<string, AttributeChange> | undefined;
  /** Attributes whose stored value this request has read (made on the first read). */
  #reads: Set<string> | undefined;
  #destroyed = false;
  /** Called once on the next `set` / `unset` (see {@link onNextChange}). */
  #onNextChange: (() => void) | undefined;

  /** @internal Sessions are made by `SessionManager.create` and `SessionManager.load`. */
  constructor(state: SessionState) {
    this.id = state.id;
    this.key = state.key;
    this.#isNew = state.isNew;
    this.#createdAt = state.createdAt;
    this.#expiresAt = state.expiresAt;
    this.#version = state.version;
    this.#userId = state.userId;
    this.#base = state.attributes;
  }

  /** Whether this session has not been stored yet. */
  get isNew(): boolean {
    return this.#isNew;
  }
  /** Epoch ms at which the session was created (start of the absolute timeout). */
  get createdAt(): number {
    return this.#createdAt;
  }
  /** Epoch ms at which the session expires unless it is used again (min of idle and absolute deadlines). */
  get expiresAt(): number {
    return this.#expiresAt;
  }
  /** The store version this handle is based on (0 while new). */
  get version(): number {
    return this.#version;
  }
  /** The owning user, if the session belongs to one. Set through `SessionManager.regenerate(s, { userId })`. */
  get userId(): string | undefined {
    return this.#userId;
  }
  /** Whether the session was destroyed (by this request or, as found at commit, by another). */
  get destroyed(): boolean {
    return this.#destroyed;
  }
  /** Whether `set`/`unset` were called since the last load or commit. */
  get isModified(): boolean {
    return this.#changes !== undefined && this.#changes.size > 0;
  }

  /** Reads one attribute (a read of the stored value, for conflict detection: see the class notes). */
  get<K extends keyof T & string>(key: K): T[K] | undefined {
    this.#noteRead(key);
    const attributes = this.currentAttributes;
    return Object.hasOwn(attributes, key) ? (attributes[key] as T[K]) : undefined;
  }

  /** Whether the attribute is set (counts as a read of it). */
  has(key: keyof T & string): boolean {
    this.#noteRead(key);
    return Object.hasOwn(this.currentAttributes, key);
  }

  /**
   * Sets one attribute; `undefined` removes it. Throws for keys that could pollute prototypes. After a read of
   * the same attribute in this request this is a read-then-write; for values computed from the current one
   * prefer {@link update}, which survives concurrent requests.
   */
  set<K extends keyof T & string>(key: K, value: T[K] | undefined): void {
    if (value === undefined) {
      this.unset(key);
      return;
    }
    assertAttributeKey(key);
    this.#writable()[key] = value;
    (this.#changes ??= new Map()).set(key, { kind: 'set', value, readFirst: this.#reads?.has(key) === true });
    this.#changed();
  }

  /** Removes one attribute. */
  unset(key: keyof T & string): void {
    assertAttributeKey(key);
    if (!Object.hasOwn(this.currentAttributes, key) && !this.#changes?.has(key)) return;
    delete this.#writable()[key];
    (this.#changes ??= new Map()).set(key, { kind: 'unset', readFirst: this.#reads?.has(key) === true });
    this.#changed();
  }

  /**
   * Read-modify-write of one attribute: applies `updater` to the current value now (the request sees the
   * result at once, and it is returned) and records it, so that a commit that loses a race to another request
   * applies it again to the value that request stored. Counters, carts and lists updated this way never lose
   * a change. `updater` must be pure and synchronous. After a `set`/`unset` of the same attribute in this
   * request the result is just a new value for that write.
   */
  update<K extends keyof T & string>(key: K, updater: AttributeUpdater<T[K]>): T[K] | undefined {
    assertAttributeKey(key);
    const next = updater(this.get(key));
    if (typeof (next as { then?: unknown } | undefined)?.then === 'function') {
      throw new TypeError(`the updater of "${key}" returned a promise; updaters must be synchronous`);
    }
    if (next === undefined) delete this.#writable()[key];
    else this.#writable()[key] = next;
    const changes = (this.#changes ??= new Map());
    const previous = changes.get(key);
    if (previous === undefined || previous.kind === 'update') {
      const updaters = previous === undefined ? [updater] : [...previous.updaters, updater];
      changes.set(key, { kind: 'update', value: next, updaters: updaters as AttributeUpdater[] });
    } else {
      const readFirst = previous.readFirst;
      changes.set(key, next === undefined ? { kind: 'unset', readFirst } : { kind: 'set', value: next, readFirst });
    }
    this.#changed();
    return next;
  }

  /** The attribute names currently set. */
  keys(): string[] {
    return Object.keys(this.currentAttributes);
  }

  /** A shallow copy of all attributes (counts as a read of each of them). */
  toJSON(): Partial<T> {
    for (const key of Object.keys(this.currentAttributes)) this.#noteRead(key);
    return { ...this.currentAttributes } as Partial<T>;
  }

  /**
   * Records a read of the stored value of `key`: only while this request has not replaced it (`set`/`unset`);
   * reading back a value this request wrote depends on nothing stored.
   */
  #noteRead(key: string): void {
    const change = this.#changes?.get(key);
    if (change === undefined || change.kind === 'update') (this.#reads ??= new Set()).add(key);
  }

  /** @internal The attributes as loaded, for the 3-way merge. */
  get baseAttributes(): SessionData {
    return this.#base;
  }
  /** @internal The current attributes. */
  get currentAttributes(): SessionData {
    return this.#current ?? this.#base;
  }
  /** @internal The pending changes, for the 3-way merge. */
  get changes(): ReadonlyMap<string, AttributeChange> {
    return this.#changes ?? NO_CHANGES;
  }

  /**
   * @internal Calls `listener` once, after the next `set` or `unset` that records a change, then forgets it
   * (a later call replaces a pending listener). The HTTP bindings use it to hold a response for a commit only
   * when a read turns into a write.
   */
  onNextChange(listener: () => void): void {
    this.#onNextChange = listener;
  }

  #changed(): void {
    const listener = this.#onNextChange;
    if (listener === undefined) return;
    this.#onNextChange = undefined;
    listener();
  }

  /** @internal Records a successful write. */
  markStored(attributes: SessionData, version: number, expiresAt: number): void {
    this.#isNew = false;
    this.#base = attributes;
    this.#current = undefined;
    this.#version = version;
    this.#expiresAt = expiresAt;
    this.#changes = undefined;
    this.#reads = undefined;
  }

  /** @internal Records a successful touch. */
  markTouched(expiresAt: number): void {
    this.#expiresAt = expiresAt;
  }

  /** The attributes this request may change, copied from the stored ones on first use. */
  #writable(): SessionData {
    return (this.#current ??= { ...this.#base });
  }

  /** @internal Records that the session no longer exists. */
  markDestroyed(): void {
    this.#destroyed = true;
  }
}

/** What {@link Session.changes} reports before the first write. */
const NO_CHANGES: ReadonlyMap<string, AttributeChange> = new Map();

function assertAttributeKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || !isSafeKey(key)) {
    throw new SerializationError(`"${String(key)}" is not an allowed attribute name`, String(key));
  }
}
