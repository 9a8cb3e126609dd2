/**
 * {@link CsrfGuard}: the framework-agnostic CSRF check that every binding runs (`csrfProtection` for Express,
 * `fastifyCsrf` for Fastify, `csrfVerifier` for `node:http`).
 *
 * Safe methods (GET, HEAD, OPTIONS, TRACE) are never checked. An unsafe request passes when, in this order:
 * 1. its session token came from the header transport: skipped entirely (a browser never attaches that header
 *    by itself, so there is no ambient credential to forge with);
 * 2. its `Origin`, when sent, is the request's own origin or one of `trustedOrigins` (`Origin: null` fails);
 * 3. its `Sec-Fetch-Site`, when sent, is `same-origin` or `none`; `same-site` and `cross-site` pass only from a
 *    trusted origin;
 * 4. it carries a valid signed session cookie, and the token in the header (default `x-csrf-token`) or, if that
 *    is absent, the body field (default `_csrf`) is that cookie ID's token ({@link SessionContext.csrfToken}).
 *
 * The check makes no store call and writes nothing: a forged request costs one HMAC per secret and is
 * answered 403 ({@link CsrfError}) before the handler runs.
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import { ConfigurationError } from '@sessionkit/core';
import type { SessionContext } from './context.js';
import { CsrfError } from './errors.js';
import type { IncomingHeaders } from './transport.js';

/** Options of the CSRF check, the same for every binding. */
export interface CsrfOptions {
  /** Body field that carries the token in form posts. Default `"_csrf"`. */
  field?: string;
  /** Request header that carries the token (scripts, `fetch`). Default `"x-csrf-token"`; it wins over the field. */
  header?: string;
  /**
   * Origins besides the request's own that may send unsafe requests, as `scheme://host[:port]` (e.g.
   * `"https://shop.example"`). List your public origin here when the server cannot see it (behind a proxy that
   * rewrites the scheme or `Host`, without the framework's trust-proxy setting), and sibling subdomains that
   * should be able to post (they are refused by default). A trusted origin relaxes the `Origin` and
   * `Sec-Fetch-Site` checks only: its requests still need the token. Default none.
   */
  trustedOrigins?: readonly string[];
}

/** What the check needs from a request. */
export interface CsrfRequest {
  /** The HTTP method. */
  method: string | undefined;
  /** The request headers. */
  headers: IncomingHeaders;
  /** The parsed body: a plain object (or one without prototype), `URLSearchParams` or `FormData`, if any. */
  body?: unknown;
  /**
   * The request's own origin as the server sees it, `scheme://host[:port]` (the framework's trust-proxy setting
   * applied), or `undefined` if unknown. Called only for unsafe requests that send `Origin`.
   */
  ownOrigin(): string | undefined;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The CSRF check with its options resolved once. One instance serves every request of a binding. */
export class CsrfGuard {
  /** The body field read for the token. */
  readonly field: string;
  /** The request header read for the token (lower case). */
  readonly header: string;
  readonly #trusted: ReadonlySet<string>;

  /** Throws {@link ConfigurationError} for an empty field name, an invalid header name, or a trusted origin that is not an origin. */
  constructor(options: CsrfOptions = {}) {
    this.field = options.field ?? '_csrf';
    this.header = (options.header ?? 'x-csrf-token').toLowerCase();
    if (this.field.length === 0) throw new ConfigurationError('the CSRF field name must not be empty');
    if (!HEADER_NAME.test(this.header)) throw new ConfigurationError('invalid CSRF header name');
    this.#trusted = new Set(
      (options.trustedOrigins ?? []).map((origin) => {
        const url = parseOrigin(origin);
        if (url === undefined || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
          throw new ConfigurationError(`trusted origin "${origin}" is not of the form scheme://host[:port]`);
        }
        return url.origin;
      }),
    );
  }

  /**
   * Whether requests with this method are checked at all: every method but GET, HEAD, OPTIONS and TRACE (which
   * must not change state). Bindings call it first, so a safe request costs one set lookup.
   */
  appliesTo(method: string | undefined): boolean {
    return !SAFE_METHODS.has(method ?? 'GET');
  }

  /**
   * Checks one request against the session context the binding made for it. Returns the {@link CsrfError} to
   * answer (403) or `undefined` when the request may proceed. No store call.
   */
  check(request: CsrfRequest, ctx: SessionContext<SessionData>): CsrfError | undefined {
    const error = this.#verdict(request, ctx);
    if (error !== undefined) ctx.report('csrf_rejected');
    return error;
  }

  #verdict(request: CsrfRequest, ctx: SessionContext<SessionData>): CsrfError | undefined {
    if (!this.appliesTo(request.method)) return undefined;
    if (ctx.tokenSource === 'header') return undefined;
    const { headers } = request;
    let trustedSender = false;
    const origin = headers.origin;
    if (origin !== undefined) {
      const from = typeof origin === 'string' ? normalizeOrigin(origin) : undefined;
      trustedSender = from !== undefined && this.#trusted.has(from);
      if (!trustedSender) {
        const own = request.ownOrigin();
        if (from === undefined || own === undefined || from !== normalizeOrigin(own))
          return new CsrfError('cross-origin');
      }
    }
    const site = headers['sec-fetch-site'];
    if (site !== undefined && !trustedSender && site !== 'same-origin' && site !== 'none') {
      // A sibling subdomain (same-site) may be compromised or hostile: it must be listed in trustedOrigins.
      return new CsrfError(site === 'same-site' ? 'cross-origin' : 'cross-site');
    }
    if (!ctx.tokenPresented) return new CsrfError('no-cookie');
    const token = this.#submitted(request);
    if (token === undefined) return new CsrfError('missing-token');
    return ctx.verifyCsrfToken(token) ? undefined : new CsrfError('bad-token');
  }

  /** The submitted token: the header if sent, else the body field; `undefined` when neither holds a string. */
  #submitted(request: CsrfRequest): string | undefined {
    const header = request.headers[this.header];
    if (header !== undefined) return typeof header === 'string' && header.length > 0 ? header : undefined;
    const { body } = request;
    let value: unknown;
    if (body instanceof URLSearchParams || body instanceof FormData) value = body.get(this.field);
    else if (typeof body === 'object' && body !== null && Object.hasOwn(body, this.field)) {
      value = (body as Record<string, unknown>)[this.field];
    }
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  }
}

/** `scheme://host[:port]` in canonical form (lower case, default port dropped), or `undefined` if not an origin. */
function normalizeOrigin(value: string): string | undefined {
  return parseOrigin(value)?.origin;
}

/** `value` parsed as an http(s) URL, or `undefined`. */
function parseOrigin(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}
