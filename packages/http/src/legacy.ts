/**
 * The `legacy` option: adopting express-session sessions in the native middleware. A request that has no
 * SessionKit session but carries the old app's signed express-session cookie gets that session, once, as a
 * SessionKit session under a fresh 256-bit ID ({@link LegacyAdopter}); the context then sets the SessionKit
 * cookie and expires the legacy one.
 *
 * Exactly once, across processes: see `legacy-claim.ts` for the claim record and {@link LegacyAdopter.adopt}
 * for how each order of events is handled.
 *
 * @module
 */
import type { Clock, SessionData, SessionManager } from '@sessionkit/core';
import { ConflictError, generateSessionId, hashSessionId, isSafeKey, Session } from '@sessionkit/core';
import type { LegacyClaim } from './legacy-claim.js';
import { LegacyClaims } from './legacy-claim.js';
import type { LegacyCookieAttributes, LegacySecrets } from './legacy-cookie.js';
import { LegacyCookie } from './legacy-cookie.js';
import type { LegacySessionData, LegacyStore } from './legacy-store.js';
import { LegacySessions } from './legacy-store.js';
import type { IncomingHeaders } from './transport.js';

/** Settings of the `legacy` option of every binding (see {@link SessionHttpOptions.legacy}). */
export interface LegacyOptions<T extends SessionData = SessionData> {
  /**
   * The old app's express-session store instance (`new RedisStore({ client })` from connect-redis,
   * `new (connectMemcached(session))({ hosts })`, a connect-dynamodb store, ...), read with its own `get` and
   * cleaned with its own `destroy`. Configure it as the old app did (same prefix, same serializer).
   */
  store: LegacyStore;
  /** The old app's `secret` option: a string, or the list (every one verifies). Required. */
  secrets: LegacySecrets;
  /** The old app's cookie `name`. Default `"connect.sid"`. */
  name?: string;
  /**
   * Attributes of the `Set-Cookie` that expires the legacy cookie (`Max-Age=0`). A browser only drops a cookie
   * whose path and domain match the ones it was set with: give the old app's `cookie.path` and `cookie.domain`.
   * Merged over `{ path: '/', httpOnly: true }` (express-session's defaults).
   */
  cookie?: LegacyCookieAttributes;
  /**
   * The new session's attributes, from the legacy session object. Default {@link defaultLegacyAttributes}: every
   * field but `cookie`. Keys that could pollute prototypes are dropped whatever this returns.
   */
  attributes?: (legacy: LegacySessionData) => Partial<T> | Record<string, unknown>;
  /**
   * The new session's owner, so per-user listing and revocation work from the first request. Default
   * {@link defaultLegacyUserId}: Passport's `passport.user`. Return `undefined` for an anonymous session.
   */
  userId?: (legacy: LegacySessionData) => string | undefined;
  /**
   * `true` (default): the legacy record is deleted through the old store's `destroy` once its session was
   * adopted. `false`: it is left to expire in the old store (it is never adopted twice either way).
   */
  destroy?: boolean;
  /**
   * How long the claim of a legacy session whose cookie has no `expires` (a browser-session cookie) is kept, in
   * ms: set it to the old store's TTL for such sessions. Default one day (connect-redis's and
   * connect-memcached's default). Sessions with `cookie.expires` keep their claim until then.
   */
  ttl?: number;
  /** Deadline of each call to the old store, in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * Hears of failures that do not fail the request: the old store's `destroy` after an adoption (the record
   * then expires there; it cannot be adopted again while its claim lives), and a claim record that does not
   * decrypt (read as missing). Default: `console.error`. Errors carry store keys, never session IDs.
   */
  onError?: (error: Error) => void;
}

/** The default attributes mapper: the legacy session object without express-session's `cookie` field. */
export function defaultLegacyAttributes(legacy: LegacySessionData): Record<string, unknown> {
  const { cookie: _cookie, ...attributes } = legacy;
  return attributes;
}

/**
 * The default owner extractor: `passport.user` as Passport's `serializeUser` stored it, when it is a string or
 * a finite number (as its decimal string); otherwise no owner.
 */
export function defaultLegacyUserId(legacy: LegacySessionData): string | undefined {
  const passport = legacy.passport;
  const user = typeof passport === 'object' && passport !== null ? (passport as { user?: unknown }).user : undefined;
  if (typeof user === 'string' && user.length > 0) return user;
  return typeof user === 'number' && Number.isFinite(user) ? String(user) : undefined;
}

/** What an adoption attempt found. */
export type LegacyOutcome<T extends SessionData = SessionData> =
  /** The request had no legacy cookie signed by the old secrets: nothing was looked up, nothing to expire. */
  | { verified: false }
  /** The legacy cookie verified: `session` is the adopted session, or `null` (nothing to adopt). Expire the cookie. */
  | { verified: true; session: Session<T> | null };

const NOT_VERIFIED: LegacyOutcome<never> = Object.freeze({ verified: false });
const NOTHING: LegacyOutcome<never> = Object.freeze({ verified: true, session: null });
const DAY_MS = 24 * 60 * 60_000;
/** A claim lives at least this long, so parallel first requests always find it. */
const MIN_CLAIM_MS = 60_000;

/** A legacy session mapped for adoption. */
interface Adoptable {
  attributes: Record<string, unknown>;
  userId: string | undefined;
  /** Until when the claim is kept: as long as the legacy session could be presented. */
  claimUntil: number;
}

/** Adopts express-session sessions for one {@link SessionHttp}. */
export class LegacyAdopter<T extends SessionData = SessionData> {
  /** The legacy cookie: read, verified and expired here. */
  readonly cookie: LegacyCookie;
  readonly #manager: SessionManager<T>;
  readonly #clock: Clock;
  readonly #sessions: LegacySessions;
  readonly #claims: LegacyClaims;
  readonly #attributes: (legacy: LegacySessionData) => Partial<T> | Record<string, unknown>;
  readonly #userId: (legacy: LegacySessionData) => string | undefined;
  readonly #destroy: boolean;
  readonly #ttl: number;
  readonly #onError: (error: Error) => void;

  /** Validates the options ({@link ConfigurationError} at startup). */
  constructor(options: LegacyOptions<T>, manager: SessionManager<T>, clock: Clock) {
    this.cookie = new LegacyCookie(options.name ?? 'connect.sid', options.secrets, {
      path: '/',
      httpOnly: true,
      ...options.cookie,
    });
    this.#manager = manager;
    this.#clock = clock;
    this.#sessions = new LegacySessions(options.store, options.timeoutMs ?? 5000, clock);
    this.#onError = options.onError ?? ((error) => console.error(error));
    this.#claims = new LegacyClaims(manager.store, (key) =>
      this.#onError(
        new Error(`legacy claim ${key} does not decrypt (tampered or copied in the store): read as missing`),
      ),
    );
    this.#attributes = options.attributes ?? defaultLegacyAttributes;
    this.#userId = options.userId ?? defaultLegacyUserId;
    this.#destroy = options.destroy ?? true;
    this.#ttl = options.ttl ?? DAY_MS;
  }

  /**
   * Adopts the request's legacy session. A cookie that does not verify resolves `{ verified: false }` with no
   * store call. Otherwise it resolves the SessionKit session the legacy session became (stored, owned), the
   * same for every request presenting that cookie on any process, or `null` when there is nothing to adopt (the
   * record expired or is gone, it held nothing but its cookie, or it was adopted before and that session has
   * since been logged out or expired). Rejects with the stores' errors (outages go through the outage policy).
   *
   * The orders of events, and what each request does (W = the request whose claim was created, L = any other
   * with the same cookie, on any process):
   * - No claim yet: the one whose `create` of the claim succeeds is W; the others read W's claim (same new ID).
   * - L reads the claim before W stored the session: L stores it itself, from its own read of the legacy
   *   record, under the claimed ID. The store's insert-if-absent lets exactly one of them through; the other
   *   gets a conflict and loads the one that was stored. The same covers W crashing after its claim: the next
   *   request with the cookie stores the session. Neither waits, and no second session is ever stored.
   * - Whoever returns the session first marks the claim settled (compare-and-set from 1 to 2) before the
   *   response goes out, and only that request destroys the legacy record: one `destroy`.
   * - The legacy record is gone when L looks (W destroyed it, or it expired): L follows the claim if there is
   *   one, else the request is anonymous.
   * - A settled claim whose session is gone (logged out, expired) is never re-adopted: a late request with
   *   the legacy cookie is anonymous, so a logout in the new app is not undone by the old cookie.
   * - A crash between storing the session and settling the claim leaves it claimed; the next request loads
   *   the stored session and settles it. A crash before the legacy `destroy` leaves the record to expire; its
   *   claim lives as long as it does, so it is not adopted twice.
   * Nothing here answers 500: conflicts are resolved above, outages go through the outage policy.
   */
  async adopt(headers: IncomingHeaders): Promise<LegacyOutcome<T>> {
    const cookie = this.cookie.read(headers);
    if (cookie === undefined) return NOT_VERIFIED;
    const keys = this.#claims.keysFor(cookie.sid, cookie.secret);
    const legacy = await this.#sessions.get(cookie.sid);
    let source: Adoptable | undefined;
    let claim: LegacyClaim | null;
    if (legacy === null) {
      claim = await this.#claims.read(keys);
    } else {
      source = this.#map(legacy);
      if (source === undefined) {
        // Only express-session's cookie and no owner: an empty session (saveUninitialized), nothing to adopt.
        await this.#retire(cookie.sid);
        return NOTHING;
      }
      claim = await this.#claims.claim(keys, generateSessionId(), source.claimUntil);
    }
    if (claim === null) return NOTHING;
    const session = await this.#sessionOf(claim, source);
    if (session !== null && !claim.settled && (await this.#claims.settle(claim))) await this.#retire(cookie.sid);
    return session === null ? NOTHING : { verified: true, session };
  }

  /** The claimed session: loaded, or stored from `source` if it was never stored (see {@link adopt}). */
  async #sessionOf(claim: LegacyClaim, source: Adoptable | undefined): Promise<Session<T> | null> {
    // The claim's creator knows nothing is stored under its fresh ID yet; anyone else looks first.
    const stored = claim.fresh ? null : await this.#manager.load(claim.id, { consistency: 'strong' });
    if (stored !== null) return stored;
    // Settled and gone: logged out or expired since, never recreated. No legacy record: nothing to store from.
    if (claim.settled || source === undefined) return null;
    return this.#store(claim.id, source);
  }

  /**
   * Stores the new session under `id` through the manager's commit (so `created` fires, the owner's index is
   * filled and a per-user limit applies). The store's insert-if-absent decides between parallel requests: the
   * one that loses loads the winner's session.
   */
  async #store(id: string, source: Adoptable): Promise<Session<T> | null> {
    const now = this.#clock.now();
    // `createdAt` now: the absolute timeout starts at adoption (express-session keeps no creation time), as
    // at a login. `expiresAt` is computed by the commit.
    const session = new Session<T>({
      id,
      key: hashSessionId(id),
      isNew: true,
      createdAt: now,
      expiresAt: now,
      version: 0,
      userId: source.userId,
      attributes: {},
    });
    for (const [name, value] of Object.entries(source.attributes))
      session.set(name as keyof T & string, value as T[keyof T & string]);
    try {
      await this.#manager.commit(session);
      return session;
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'CONFLICT')
        return this.#manager.load(id, { consistency: 'strong' });
      throw error;
    }
  }

  /** The legacy session mapped for adoption, or `undefined` when it holds nothing to adopt. */
  #map(legacy: LegacySessionData): Adoptable | undefined {
    const attributes: Record<string, unknown> = {};
    let count = 0;
    for (const [name, value] of Object.entries(this.#attributes(legacy))) {
      if (value === undefined || !isSafeKey(name)) continue;
      attributes[name] = value;
      count++;
    }
    const userId = this.#userId(legacy);
    if (count === 0 && userId === undefined) return undefined;
    const now = this.#clock.now();
    const expires = legacy.cookie?.expires;
    const end = expires === undefined || expires === null ? Number.NaN : new Date(expires).getTime();
    return {
      attributes,
      userId,
      claimUntil: Math.max(now + MIN_CLAIM_MS, Number.isFinite(end) ? end : now + this.#ttl),
    };
  }

  /** Removes the legacy record once its session was adopted (unless `destroy: false`); a failure is reported, not thrown. */
  async #retire(sid: string): Promise<void> {
    if (!this.#destroy) return;
    try {
      await this.#sessions.destroy(sid);
    } catch (error) {
      this.#onError(error as Error);
    }
  }
}
