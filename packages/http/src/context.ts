/**
 * {@link SessionContext}: the per-request session handle every binding exposes (as `req.session`,
 * `request.session` or the third handler argument). It loads lazily, issues/clears the cookie, issues the
 * session's CSRF token, and commits once at the end of the request, before the response headers are sent.
 *
 * @module
 */
import type { RegenerateOptions, Session, SessionData, UserSessionInfo } from '@sessionkit/core';
import { generateSessionId, StoreUnavailableError } from '@sessionkit/core';
import {
  HeadersSentError,
  isStoreOutage,
  SessionBusyError,
  SessionConflictError,
  SessionUnavailableError,
  toHttpError,
} from './errors.js';
import type { LegacyOutcome } from './legacy.js';
import type { HttpOutcome, SessionHttpSettings } from './options.js';
import type { IncomingHeaders, PresentedToken, TokenSource } from './transport.js';

/** What a commit asks the binding to send with the response. */
export interface CommitOutcome {
  /** `Set-Cookie` values to append. */
  setCookie: string[];
  /** Other response headers to set (the header transport's new token). */
  headers: Array<[name: string, value: string]>;
}

/** One of the current user's sessions, flagged when it is the one making this request. */
export interface UserSessionEntryInfo<T extends SessionData = SessionData> extends UserSessionInfo<T> {
  /** Whether this is the session of the current request. */
  current: boolean;
}

/** Options of {@link SessionContext.destroyAllForUser}. */
export interface DestroyAllOptions {
  /** Keep the current session (e.g. "log out my other devices"). Default `true`. */
  exceptCurrent?: boolean;
}

/** Options of {@link SessionContext.get}. */
export interface GetOptions {
  /** Read consistency of the load (only the first access of a request loads). */
  consistency?: 'eventual' | 'strong';
}

/** Per-request hooks a binding gives the context. */
export interface ContextHooks {
  /** Whether the response headers are already out (then no cookie can be set any more). */
  headersSent?: () => boolean;
  /**
   * Called once, as soon as a commit may be needed: at the first session operation that can change something
   * (`session()`, `regenerate()`, `destroy()`, ...), when a `get()` settles with a commit already due (a new
   * or stale cookie, a touch, a cookie to clear), or at the first `set`/`unset` on a session that a `get()`
   * loaded unchanged. Bindings install their commit-before-headers hooks here, so a request that only reads
   * an unchanged session pays nothing for them. Always called before the operation's promise resolves, so a
   * handler that awaits its session calls is held back in time. Receives the context that asks.
   */
  onCommitPossible?: (ctx: SessionContext<SessionData>) => void;
}

const EMPTY: CommitOutcome = Object.freeze({ setCookie: [], headers: [] }) as unknown as CommitOutcome;

/**
 * The session of one request. Nothing touches the store until the first `get()`/`session()`/operation; a
 * request that never asks makes no store call. At the end of the request the binding calls {@link commit},
 * which saves changes (only if modified), touches when due, and yields the `Set-Cookie` to send.
 */
export class SessionContext<T extends SessionData = SessionData> {
  readonly #http: SessionHttpSettings<T>;
  readonly #headers: IncomingHeaders;
  readonly #hooks: ContextHooks;
  #token: PresentedToken | undefined;
  #load: Promise<void> | undefined;
  #loaded = false;
  #session: Session<T> | null = null;
  #used = false;
  #armed = false;
  #clearCookie = false;
  #degraded = false;
  #transient = false;
  /**
   * The ID a CSRF token was issued for when no stored session carries it: the presented cookie's ID with no
   * record behind it (an anonymous visitor), a freshly minted one (a cookieless request), or a new session's ID
   * before anything is stored under it. The commit hands its cookie to the client if the client does not hold
   * it yet; nothing is stored for it.
   */
  #csrfId: string | undefined;
  /** This request destroyed the presented ID's session (logout), so that ID issues no CSRF token any more. */
  #presentedGone = false;
  /** The response expires the express-session cookie (`legacy` option): it was adopted, resolved to nothing, or logged out. */
  #expireLegacy = false;
  #commit: Promise<CommitOutcome> | undefined;

  /** @internal Made by {@link SessionHttp.context}. */
  constructor(http: SessionHttpSettings<T>, headers: IncomingHeaders, hooks: ContextHooks = {}) {
    this.#http = http;
    this.#headers = headers;
    this.#hooks = hooks;
  }

  /** The request's token, read and verified on first need (pure computation, no store call). */
  get #presented(): PresentedToken {
    return (this.#token ??= this.#http.transport.read(this.#headers));
  }

  /** Whether the request carried a token at all (valid or not). */
  get tokenPresented(): boolean {
    return this.#presented.presented;
  }

  /**
   * Where the request's token came from: `'cookie'`, `'header'` (the header transport, which wins when both are
   * sent), or `undefined` when it sent none. The CSRF check skips `'header'` requests: a browser never attaches
   * that header on its own, so they carry no ambient credential to forge with.
   */
  get tokenSource(): TokenSource | undefined {
    return this.#presented.source;
  }

  /** Whether the store failed and the `'anonymous'` outage policy applies to this request. */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** Whether the handler used the session, so a commit is due. */
  get needsCommit(): boolean {
    return this.#used && this.#commit === undefined && !this.#nothingToCommit();
  }

  /**
   * Whether a commit now would neither write nor send anything: the load finished, and either no session
   * (and no cookie to clear) or an unchanged session, not due for a touch, under the ID and the current secret
   * it was presented with. Such a response goes out at once, with no commit round.
   */
  #nothingToCommit(): boolean {
    if (
      !this.#loaded ||
      this.#degraded ||
      this.#transient ||
      this.#clearCookie ||
      this.#expireLegacy ||
      this.#csrfCookieDue()
    ) {
      return false;
    }
    const session = this.#session;
    if (session === null) return true;
    const verified = this.#presented.verified;
    return (
      verified !== undefined &&
      !verified.stale &&
      session.id === verified.id &&
      !this.#http.manager.hasWorkToCommit(session)
    );
  }

  /** Marks the session used by an operation that may change it, so a commit may be due: arms the hooks now. */
  #markUsed(): void {
    this.#used = true;
    this.#arm();
  }

  /** Tells the binding, once, that a commit may be needed (it then holds the response headers for it). */
  #arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    this.#hooks.onCommitPossible?.(this);
  }

  /**
   * After a plain read: arms the hooks only if a commit is already due (new cookie, touch, cookie to clear).
   * An unchanged session that is not due for a touch, the common read, is watched instead: its first
   * `set`/`unset` arms them (`Session.onNextChange`), while the handler still holds the response. So a read
   * that changes nothing costs no response hooks at all.
   */
  #armAfterLoad(): void {
    if (this.#nothingToCommit()) this.#session?.onNextChange(() => this.#arm());
    else this.#arm();
  }

  #headersSent(): boolean {
    return this.#hooks.headersSent?.() ?? false;
  }

  /** The owner of the loaded session, if any (after `get()`). */
  get userId(): string | undefined {
    return this.#live()?.userId;
  }

  /**
   * The request's session, or `null` for an anonymous request (no token, a rejected token, or an unknown or
   * expired session). The first call loads it from the store; later calls are free.
   * Rejects with {@link SessionUnavailableError} (503) when the store is out and the policy is `'fail'`.
   */
  async get(options?: GetOptions): Promise<Session<T> | null> {
    this.#used = true;
    this.#load ??= this.#loadPresented(options?.consistency ?? this.#http.consistency);
    await this.#load;
    if (!this.#armed) this.#armAfterLoad();
    return this.#live();
  }

  /**
   * The request's session, starting a new one when there is none. A new session is stored (and its cookie
   * set) only if something is written to it. Rejects like {@link get}; never starts a session when the store
   * is out, and with the `'anonymous'` policy returns a throw-away session that is never saved.
   */
  async session(): Promise<Session<T>> {
    this.#markUsed();
    const current = await this.get();
    if (current) return current;
    if (this.#degraded) {
      this.#transient = true;
      this.#session = this.#http.manager.create();
      return this.#session;
    }
    if (this.#headersSent()) throw new HeadersSentError('start a session');
    this.#session = this.#http.manager.create();
    return this.#session;
  }

  /**
   * Gives the session a new ID (login, privilege change): the new record is written now and the old ID is dead
   * when this resolves. Pass `{ userId }` on login (restarts the absolute timeout and files the session under
   * the user). Starts a session if there was none. Never degrades: rejects 503 while the store is out.
   */
  async regenerate(options: RegenerateOptions = {}): Promise<Session<T>> {
    this.#markUsed();
    const current = await this.get();
    this.#assertOperational('regenerate');
    if (this.#headersSent()) throw new HeadersSentError('regenerate the session');
    const base = current ?? this.#http.manager.create();
    const next = await this.#operation('regenerate', () => this.#http.manager.regenerate(base, options));
    this.#session = next;
    this.#transient = false;
    return next;
  }

  /**
   * Destroys the session server side (logout) and clears the cookie. Costs one store call; the session is not
   * loaded first if it was not already. Resolves whether a live session was deleted.
   */
  async destroy(): Promise<boolean> {
    this.#markUsed();
    let target: Session<T> | string | undefined;
    if (this.#load === undefined) {
      this.#load = Promise.resolve();
      target = this.#presented.verified?.id;
    } else {
      target = (await this.get()) ?? undefined;
    }
    this.#assertOperational('destroy');
    this.#session = null;
    this.#transient = false;
    this.#clearCookie = this.#presented.source === 'cookie';
    this.#forgetPresented();
    this.#logOutLegacy();
    if (target === undefined || (typeof target !== 'string' && target.isNew)) return false;
    const session = target;
    return this.#operation('destroy', () => this.#http.manager.destroy(session));
  }

  /**
   * Destroys the current user's sessions ("log out everywhere", password change). Keeps the current one unless
   * `exceptCurrent: false`, which also logs this request out. Resolves how many sessions were destroyed (0 for
   * an anonymous request).
   */
  async destroyAllForUser(options: DestroyAllOptions = {}): Promise<number> {
    this.#markUsed();
    const current = await this.get();
    this.#assertOperational('destroyAllForUser');
    const userId = current?.userId;
    if (!current || userId === undefined) return 0;
    const exceptCurrent = options.exceptCurrent ?? true;
    const count = await this.#operation('destroyAllForUser', () =>
      this.#http.manager.destroyAllForUser(userId, exceptCurrent ? { except: current } : {}),
    );
    if (!exceptCurrent) {
      this.#session = null;
      this.#clearCookie = this.#presented.source === 'cookie';
      this.#forgetPresented();
      this.#logOutLegacy();
    }
    return count;
  }

  /** The current user's live sessions (e.g. a "where you're logged in" page); empty for anonymous requests. */
  async listForUser(): Promise<UserSessionEntryInfo<T>[]> {
    const current = await this.get();
    this.#assertOperational('listForUser');
    const userId = current?.userId;
    if (!current || userId === undefined) return [];
    const sessions = await this.#operation('listForUser', () => this.#http.manager.listForUser(userId));
    return sessions.map((info) => ({ ...info, current: info.key === current.key }));
  }

  /**
   * Destroys one of the current user's sessions by the `key` {@link listForUser} reported ("log out that
   * device"). The current session's key logs this request out. Resolves whether it was destroyed.
   */
  async destroyForUser(key: string): Promise<boolean> {
    this.#markUsed();
    const current = await this.get();
    this.#assertOperational('destroyForUser');
    const userId = current?.userId;
    if (!current || userId === undefined) return false;
    if (key === current.key) return this.destroy();
    return this.#operation('destroyForUser', () => this.#http.manager.destroyForUser(userId, key));
  }

  /**
   * The CSRF token to put in this response's forms (field `_csrf` by default) or hand to its scripts (header
   * `x-csrf-token` by default): the token of the session ID the client holds once this response arrives.
   * No store call and no store write.
   *
   * - A stored session (loaded, written, or just regenerated at login): its ID. After `regenerate()` that is the
   *   new ID, so a token rendered before login no longer verifies after it.
   * - No session (anonymous visitor): the ID in the request's signature-verified cookie, even though no record
   *   exists for it; that cookie is then kept rather than cleared. Strict mode is unchanged: a later write still
   *   stores a new session under a fresh ID (so tokens rendered before the visitor's first write stop
   *   verifying after it; render the token after this request's writes).
   * - No valid cookie (a first visit): a fresh ID from core's `generateSessionId()`; the response then sets a
   *   browser-session cookie carrying it (signed like any session cookie, with no store record behind it).
   * - A new session not stored yet (`session()` with nothing written so far): its ID, and its cookie is sent
   *   even if nothing is written.
   * - After `destroy()` (logout): a fresh ID as for a first visit.
   *
   * The token is the same for every call on one session, so it can be rendered in several forms. Throws
   * {@link HeadersSentError} when it needs to set a cookie and the response headers are already out.
   */
  csrfToken(): string {
    const session = this.#live();
    let id: string;
    if (session && !this.#transient) {
      if (!session.isNew) return this.#http.csrf.issue(session.id);
      id = session.id;
    } else {
      id = this.#csrfId ?? (this.#presentedGone ? undefined : this.#presented.verified?.id) ?? generateSessionId();
    }
    if (id !== this.#csrfId) this.#pinCsrfId(id);
    return this.#http.csrf.issue(id);
  }

  /**
   * Whether `token` is the CSRF token of the session ID this request presented (its verified cookie or header),
   * under any of the secrets (rotation). Pure computation: no store call, so it holds for an anonymous ID with
   * no record too. Full-length constant-time comparison. `false` when the request presented no valid ID.
   * The bindings' CSRF checks ({@link CsrfGuard}) call it; use it directly in a custom check.
   */
  verifyCsrfToken(token: unknown): boolean {
    return this.#http.csrf.verify(this.#presented.verified?.id, token);
  }

  /** Records the ID a CSRF token was issued for; arms the commit when the client does not hold its cookie yet. */
  #pinCsrfId(id: string): void {
    this.#csrfId = id;
    if (id === this.#presented.verified?.id) {
      // The client already holds this ID: keep its cookie even though no session is stored under it.
      this.#clearCookie = false;
      return;
    }
    if (this.#headersSent()) throw new HeadersSentError('issue a CSRF token');
    this.#markUsed();
  }

  /** Whether the commit must hand the client the cookie of the ID a CSRF token was issued for. */
  #csrfCookieDue(): boolean {
    return this.#csrfId !== undefined && this.#csrfId !== this.#presented.verified?.id;
  }

  /** The presented ID's session was destroyed in this request (logout): its CSRF token dies with it. */
  #forgetPresented(): void {
    this.#presentedGone = true;
    this.#csrfId = undefined;
  }

  /**
   * Logout also expires a verified legacy cookie the request still carries (its session was never adopted,
   * e.g. after an outage of the old store), so the next request does not adopt it and log the user back in.
   */
  #logOutLegacy(): void {
    const legacy = this.#http.legacy;
    if (legacy !== undefined && legacy.cookie.read(this.#headers) !== undefined) this.#expireLegacy = true;
  }

  /**
   * Saves the session and computes the cookie/header to send. Bindings call it once, before the response
   * headers are flushed; later calls resolve to nothing to send. Rejects with {@link SessionUnavailableError}
   * when the store fails and the policy is `'fail'`, {@link SessionConflictError} when a concurrent request
   * changed what this one read and then wrote, and {@link SessionBusyError} when concurrent writers kept
   * winning until the retry deadline: the binding then answers 503, 409 or 503 instead of the response, and
   * nothing of the commit was saved.
   */
  commit(): Promise<CommitOutcome> {
    if (this.#commit)
      return this.#commit.then(
        () => EMPTY,
        () => EMPTY,
      );
    this.#commit = this.#doCommit();
    return this.#commit;
  }

  async #doCommit(): Promise<CommitOutcome> {
    if (!this.#used) return EMPTY;
    try {
      await this.#load;
    } catch {
      return EMPTY; // the load failure was already reported to the handler; nothing is issued
    }
    const out: CommitOutcome = { setCookie: [], headers: [] };
    if (this.#expireLegacy) out.setCookie.push(this.#http.legacy!.cookie.expired);
    const session = this.#live();
    // A degraded request has no session here (or a transient one): it writes nothing and clears nothing.
    if (session && !this.#transient) {
      let status: string;
      try {
        status = (await this.#http.manager.commit(session)).status;
      } catch (error) {
        this.#policy(error, 'commit');
        return EMPTY;
      }
      if (!session.isNew && status !== 'gone') {
        this.#issue(out, session, status);
        return out;
      }
      if (status === 'gone') this.#clearCookie = this.#presented.source === 'cookie';
    }
    if (this.#csrfCookieDue()) {
      // No store write: the ID only carries the CSRF token of a visitor without a stored session.
      this.#deliver(out, this.#csrfId!, undefined);
    } else if (this.#clearCookie) {
      const cookie = this.#http.transport.clearCookie();
      if (cookie) out.setCookie.push(cookie);
    }
    return out;
  }

  /** Adds the cookie or response header that hands the (new or refreshed) token to the client. */
  #issue(out: CommitOutcome, session: Session<T>, status: string): void {
    const verified = this.#presented.verified;
    const issued = session.id !== verified?.id;
    const stale = verified?.stale === true;
    // The cookie's lifetime follows expiresAt, so refresh it whenever the deadline moved.
    if (issued || stale || (status !== 'unchanged' && !this.#viaHeader()))
      this.#deliver(out, session.id, session.expiresAt);
  }

  /** Whether new tokens go to the client in the response header (header-transport clients) instead of a cookie. */
  #viaHeader(): boolean {
    return this.#presented.source === 'header' || this.#http.transport.cookieName === undefined;
  }

  /**
   * Hands the signed `id` to the client: in the response header to header-transport clients, else in the cookie,
   * which lasts until `expiresAt` (a browser-session cookie when `undefined`).
   */
  #deliver(out: CommitOutcome, id: string, expiresAt: number | undefined): void {
    const { transport } = this.#http;
    if (this.#viaHeader()) {
      const header = transport.responseHeader(id);
      if (header) out.headers.push(header);
      return;
    }
    const cookie = transport.setCookie(id, expiresAt, this.#http.clock.now());
    if (cookie) out.setCookie.push(cookie);
  }

  async #loadPresented(consistency: 'eventual' | 'strong' | undefined): Promise<void> {
    const id = this.#presented.verified?.id;
    let session: Session<T> | null = null;
    if (id === undefined) {
      // A rejected token (forged, tampered, truncated, foreign, duplicated) costs no store call.
      this.#clearCookie = this.#presented.presented && this.#presented.source === 'cookie';
    } else {
      try {
        session = await this.#http.manager.load(id, consistency === undefined ? {} : { consistency });
      } catch (error) {
        this.#policy(error, 'load');
        return;
      }
      // An unknown ID is never adopted, and its cookie is cleared, unless it carries this response's CSRF token.
      if (!session) this.#clearCookie = this.#presented.source === 'cookie' && this.#csrfId !== id;
    }
    // No SessionKit session: the request may still carry an express-session cookie to adopt (`legacy`). Without
    // that cookie this costs one substring search of the Cookie header.
    const legacy = this.#http.legacy;
    if (session === null && legacy !== undefined && legacy.cookie.presentedIn(this.#headers)) {
      let outcome: LegacyOutcome<T>;
      try {
        outcome = await legacy.adopt(this.#headers);
      } catch (error) {
        // An outage of either store: the legacy cookie is kept, so the session is adopted once the stores are back.
        this.#policy(error, 'load');
        return;
      }
      if (outcome.verified) {
        session = outcome.session;
        this.#expireLegacy = true;
        // The adopted session's cookie replaces whatever SessionKit cookie the request had.
        if (session !== null) this.#clearCookie = false;
      }
    }
    this.#session = session;
    this.#loaded = true;
    this.report(
      session !== null
        ? 'loaded'
        : id !== undefined
          ? 'anonymous'
          : this.#presented.presented
            ? 'rejected_token'
            : 'no_token',
    );
  }

  /** @internal Reports `outcome` to the `onOutcome` option, if set (the CSRF check reports its 403s here). */
  report(outcome: HttpOutcome): void {
    this.#http.onOutcome?.(outcome);
  }

  /** {@link toHttpError}, reporting a 409 or 503 to `onOutcome`. */
  #httpError(error: unknown, phase: string): unknown {
    const answer = toHttpError(error, phase);
    if (answer instanceof SessionConflictError) this.report('conflict');
    else if (answer instanceof SessionUnavailableError || answer instanceof SessionBusyError)
      this.report('unavailable');
    return answer;
  }

  /**
   * Applies the outage policy: throws 503 for `'fail'`, marks the request degraded for `'anonymous'`. A
   * concurrent change or contention is no outage: it throws 409 or 503 whatever the policy.
   */
  #policy(error: unknown, phase: 'load' | 'commit'): void {
    if (isStoreOutage(error)) {
      const { onStoreError } = this.#http;
      const action = typeof onStoreError === 'function' ? onStoreError(error, phase) : onStoreError;
      if (action === 'anonymous') {
        this.report('unavailable');
        this.#degraded = true;
        this.#session = null;
        return;
      }
    }
    throw this.#httpError(error, phase);
  }

  async #operation<R>(name: string, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      throw this.#httpError(error, name);
    }
  }

  #assertOperational(name: string): void {
    if (this.#degraded) {
      throw this.#httpError(new StoreUnavailableError('the store failed earlier in this request'), name);
    }
  }

  #live(): Session<T> | null {
    const session = this.#session;
    return session && !session.destroyed ? session : null;
  }
}
