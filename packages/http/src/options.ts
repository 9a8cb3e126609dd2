/**
 * The settings shared by every binding ({@link SessionHttpOptions}) and their resolution
 * ({@link SessionHttpSettings}, what a {@link SessionContext} reads). The per-request factory built on them is
 * {@link SessionHttp}, in its own file so that this one does not import the context.
 *
 * @module
 */
import type { Clock, Consistency, SessionData, SessionKitError, SessionManager } from '@sessionkit/core';
import { systemClock } from '@sessionkit/core';
import { CsrfTokens } from './csrf-token.js';
import type { LegacyOptions } from './legacy.js';
import { LegacyAdopter } from './legacy.js';
import type { Secrets } from './signing.js';
import { createSigner } from './signing.js';
import type { CookieOptions, HeaderOptions } from './transport.js';
import { Transport } from './transport.js';

/** What to do with a request when the session store fails. */
export type StoreErrorAction = 'fail' | 'anonymous';

/**
 * Store outage policy.
 * - `'fail'` (default): the request is answered 503 ({@link SessionUnavailableError}). Fail closed.
 * - `'anonymous'`: reads see no session and nothing is written or issued for this request (no new cookie, so an
 *   outage never mints a flood of sessions); `ctx.degraded` is `true` so the app can tell. Login, logout and
 *   other explicit operations still fail with 503.
 * - a function: called with the store error and the phase (`'load'` or `'commit'`), returns one of the above
 *   (log or count the failure here; the error carries store keys, never raw IDs).
 */
export type StoreErrorPolicy =
  | StoreErrorAction
  | ((error: SessionKitError, phase: 'load' | 'commit') => StoreErrorAction);

/**
 * What a request's session handling came to, reported to the `onOutcome` option (e.g. as a metric label):
 * - on the request's first session access, how its token was classified: `'no_token'`, `'rejected_token'`
 *   (forged, tampered, foreign: refused without a store call), `'loaded'` (a live session) or `'anonymous'`
 *   (a valid token whose session is unknown or expired);
 * - for each failure answered instead of the response: `'csrf_rejected'` (403), `'conflict'` (409) or
 *   `'unavailable'` (503 for a store outage or contention; also a load the `'anonymous'` outage policy degraded).
 */
export type HttpOutcome =
  | 'no_token'
  | 'rejected_token'
  | 'loaded'
  | 'anonymous'
  | 'csrf_rejected'
  | 'conflict'
  | 'unavailable';

/** Options of every binding (Express, Fastify, node:http) and of {@link SessionHttp}. */
export interface SessionHttpOptions<T extends SessionData = SessionData> {
  /** The session lifecycle (expiry, store, merge policy). Share one manager across the app. */
  manager: SessionManager<T>;
  /**
   * HMAC-SHA256 signing secrets, each at least 32 bytes. The first signs; all verify (rotate by prepending a new
   * one and dropping the oldest after the idle timeout). Tokens signed with an older secret are re-issued.
   */
  secrets: Secrets;
  /** Cookie transport (on by default, OWASP attributes); `false` for header-only APIs. */
  cookie?: CookieOptions | false;
  /** Header transport for APIs (`Authorization: Session <token>` by default). Off unless set. */
  header?: HeaderOptions | boolean;
  /** Store outage policy. Default `'fail'` (503). */
  onStoreError?: StoreErrorPolicy;
  /** Read consistency of the per-request load. Default: the manager's default. */
  consistency?: Consistency;
  /** Time source for cookie lifetimes; pass the manager's clock when you inject one. Default the system clock. */
  clock?: Clock;
  /**
   * Adopt the sessions of the express-session app this one replaces: a request with no SessionKit session but
   * the old app's signed cookie gets its session, once, under a fresh ID, with the SessionKit cookie; the
   * legacy cookie is expired and the legacy record destroyed. Off unless set. A request without the legacy
   * cookie pays one substring search of its `Cookie` header, and only when it has no SessionKit session.
   */
  legacy?: LegacyOptions<T>;
  /**
   * Called with each {@link HttpOutcome} of a request, synchronously (keep it cheap: count, do not await), e.g.
   * `SessionTelemetry.httpOutcomes()` of `@sessionkit/opentelemetry`. Default: none, at no cost.
   */
  onOutcome?: (outcome: HttpOutcome) => void;
}

/**
 * The options of one middleware instance, validated and resolved: what a {@link SessionContext} reads. Made
 * through {@link SessionHttp}, which adds the per-request factory. Throws {@link ConfigurationError} for
 * invalid options (secrets, cookie or header settings, `legacy`).
 */
export class SessionHttpSettings<T extends SessionData = SessionData> {
  /** The session lifecycle. */
  readonly manager: SessionManager<T>;
  /** Cookie/header transport. */
  readonly transport: Transport;
  /** Outage policy. */
  readonly onStoreError: StoreErrorPolicy;
  /** Load consistency, if set. */
  readonly consistency: Consistency | undefined;
  /** Clock for cookie lifetimes. */
  readonly clock: Clock;
  /** The CSRF tokens of session IDs, under keys derived from the signing secrets (see {@link CsrfTokens}). */
  readonly csrf: CsrfTokens;
  /** The adopter of express-session sessions, when the `legacy` option is set. */
  readonly legacy: LegacyAdopter<T> | undefined;
  /** The outcome listener, if set. */
  readonly onOutcome: ((outcome: HttpOutcome) => void) | undefined;

  constructor(options: SessionHttpOptions<T>) {
    this.manager = options.manager;
    this.transport = new Transport(createSigner(options.secrets), options.cookie, options.header);
    this.csrf = new CsrfTokens(options.secrets);
    this.onStoreError = options.onStoreError ?? 'fail';
    this.consistency = options.consistency;
    this.clock = options.clock ?? systemClock;
    this.onOutcome = options.onOutcome;
    this.legacy = options.legacy ? new LegacyAdopter<T>(options.legacy, options.manager, this.clock) : undefined;
  }
}
