/**
 * Where the signed token travels: a cookie (the default, OWASP attributes) and/or a request header for APIs.
 * IDs are read only from these two places, never from the URL or the body.
 *
 * @module
 */
import { ConfigurationError } from '@sessionkit/core';
import type { CookieAttributes } from './cookie.js';
import { formatSetCookie, readCookieValues, serializeCookie } from './cookie.js';
import type { TokenSigner, VerifiedToken } from './signing.js';

/** Cookie transport settings. Every default is the OWASP recommendation. */
export interface CookieOptions {
  /**
   * Base name, default `"sid"`. With `secure` and no `domain` it becomes `__Host-sid` (the browser then enforces
   * Secure, Path=/ and no Domain); with `secure` and a `domain`, `__Secure-sid`. Pass a name that already starts
   * with `__Host-` or `__Secure-` to choose the prefix yourself, or set `prefix: false` to send the name as is.
   */
  name?: string;
  /** Add a `__Host-`/`__Secure-` prefix when secure. Default `true`. */
  prefix?: boolean;
  /** HTTPS only. Default `true`; set `false` explicitly for local plain-http demos. */
  secure?: boolean;
  /** Hidden from JavaScript. Default `true`. */
  httpOnly?: boolean;
  /** Default `'lax'`. `'none'` requires `secure`. */
  sameSite?: 'strict' | 'lax' | 'none';
  /** Default `"/"` (required by `__Host-`). */
  path?: string;
  /** Omitted by default: the cookie is bound to the exact host. */
  domain?: string;
  /**
   * `true` (default): `Max-Age`/`Expires` follow the session's `expiresAt` (idle and absolute deadlines).
   * `false`: a browser-session cookie, dropped when the browser closes (the server deadlines still apply).
   */
  persistent?: boolean;
  /** CHIPS `Partitioned` attribute (requires `secure`). Default `false`. */
  partitioned?: boolean;
}

/** Header transport settings, for API clients that do not keep cookies. Uses the same signed token. */
export interface HeaderOptions {
  /**
   * Request header carrying the token. Default `"authorization"`, read as `Authorization: <scheme> <token>`;
   * any other name carries the bare token.
   */
  name?: string;
  /** Authorization scheme, default `"Session"`. Only used with the `authorization` header. */
  scheme?: string;
  /** Response header that hands a new token to the client after creation or regeneration. Default `"session-token"`. */
  responseHeader?: string;
}

/** Where a request's token came from. */
export type TokenSource = 'cookie' | 'header';

/** What a request presented. */
export interface PresentedToken {
  /** Whether the request carried anything in the session cookie or header at all. */
  presented: boolean;
  /** Where it came from (the header wins when both are present). */
  source: TokenSource | undefined;
  /** The verified ID, or `undefined` when nothing valid was presented. */
  verified: VerifiedToken | undefined;
}

/** Request headers as Node exposes them. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The resolved cookie/header transport of one middleware instance. */
export class Transport {
  /** The cookie name actually sent (with its prefix), or `undefined` without cookie transport. */
  readonly cookieName: string | undefined;
  /** Whether the cookie follows the session's deadline (`persistent`). */
  readonly #persistent: boolean;
  /** The cookie's fixed attributes (no `maxAge`/`expires`). */
  readonly #attributes: CookieAttributes;
  /** The `Set-Cookie` value that deletes the cookie, built once. */
  readonly #cleared: string | undefined;
  readonly #header: { name: string; scheme: string | undefined; responseHeader: string } | undefined;
  readonly #signer: TokenSigner;

  constructor(
    signer: TokenSigner,
    cookie: CookieOptions | false | undefined,
    header: HeaderOptions | boolean | undefined,
  ) {
    this.#signer = signer;
    if (cookie === false && !header) throw new ConfigurationError('enable at least one transport (cookie or header)');
    if (cookie === false) {
      this.cookieName = undefined;
      this.#persistent = false;
      this.#attributes = {};
      this.#cleared = undefined;
    } else {
      const c = cookie ?? {};
      const secure = c.secure ?? true;
      const path = c.path ?? '/';
      const sameSite = c.sameSite ?? 'lax';
      if (sameSite === 'none' && !secure) throw new ConfigurationError('cookie sameSite "none" requires secure');
      if (c.partitioned && !secure) throw new ConfigurationError('cookie partitioned requires secure');
      let name = c.name ?? 'sid';
      if (name.startsWith('__Host-') || name.startsWith('__Secure-')) {
        if (!secure) throw new ConfigurationError(`a ${name.split('-')[0]}- cookie requires secure`);
        if (name.startsWith('__Host-') && (c.domain !== undefined || path !== '/')) {
          throw new ConfigurationError('a __Host- cookie requires path "/" and no domain');
        }
      } else if (secure && c.prefix !== false) {
        name = (c.domain === undefined && path === '/' ? '__Host-' : '__Secure-') + name;
      }
      this.cookieName = name;
      this.#persistent = c.persistent ?? true;
      this.#attributes = {
        secure,
        httpOnly: c.httpOnly ?? true,
        sameSite,
        path,
        domain: c.domain,
        partitioned: c.partitioned ?? false,
      };
      // Also validates the name and the attributes once, at startup.
      this.#cleared = serializeCookie(name, '', { ...this.#attributes, maxAge: 0, expires: new Date(0) });
    }
    if (header) {
      const h = header === true ? {} : header;
      const name = (h.name ?? 'authorization').toLowerCase();
      const responseHeader = (h.responseHeader ?? 'session-token').toLowerCase();
      if (!HEADER_NAME.test(name) || !HEADER_NAME.test(responseHeader))
        throw new ConfigurationError('invalid header name');
      if (name === 'cookie' || responseHeader === 'set-cookie')
        throw new ConfigurationError('use the cookie transport for cookies');
      const scheme = name === 'authorization' ? (h.scheme ?? 'Session') : undefined;
      if (scheme !== undefined && !HEADER_NAME.test(scheme))
        throw new ConfigurationError('invalid authorization scheme');
      this.#header = { name, scheme, responseHeader };
    }
  }

  /** Whether the header transport is on. */
  get headerEnabled(): boolean {
    return this.#header !== undefined;
  }

  /**
   * Reads and verifies the token of a request. Pure computation: no store call. A token that is malformed,
   * forged, duplicated or signed with an unknown secret yields `verified: undefined`.
   */
  read(headers: IncomingHeaders): PresentedToken {
    if (this.#header) {
      const raw = headers[this.#header.name];
      if (raw !== undefined) {
        // Several values (a repeated header) are refused, like duplicate cookies.
        if (Array.isArray(raw)) return { presented: true, source: 'header', verified: undefined };
        let token: string | undefined = raw.trim();
        if (this.#header.scheme !== undefined) {
          const space = token.indexOf(' ');
          const scheme = space === -1 ? token : token.slice(0, space);
          // Another scheme (Bearer, Basic, ...) is not ours: ignore the header rather than reject the request.
          // The bare scheme with no token asks for a new token to be delivered in the response header.
          if (scheme.toLowerCase() !== this.#header.scheme.toLowerCase()) token = undefined;
          else token = space === -1 ? '' : token.slice(space + 1).trim();
        }
        if (token !== undefined)
          return { presented: true, source: 'header', verified: this.#signer.verify(token) ?? undefined };
      }
    }
    if (this.cookieName !== undefined) {
      const values = readCookieValues(headers.cookie, this.cookieName);
      if (values.length > 0) {
        // Exactly one value: a second one (tossed from a sibling domain, or injected) means we cannot tell which is real.
        const verified = values.length === 1 ? (this.#signer.verify(values[0]) ?? undefined) : undefined;
        return { presented: true, source: 'cookie', verified };
      }
    }
    return { presented: false, source: undefined, verified: undefined };
  }

  /**
   * The `Set-Cookie` value that hands `id` to the browser until `expiresAt` (or `undefined` without cookies).
   * `expiresAt` `undefined` makes a browser-session cookie whatever `persistent` says: the anonymous cookie that
   * only carries a CSRF token's ID, with no stored session (and so no deadline) behind it.
   */
  setCookie(id: string, expiresAt: number | undefined, now: number): string | undefined {
    if (this.cookieName === undefined) return undefined;
    const lasting = this.#persistent && expiresAt !== undefined;
    const a = this.#attributes;
    // Properties spelled out: one object per response, of one shape.
    return formatSetCookie({
      name: this.cookieName,
      value: this.#signer.sign(id),
      maxAge: lasting ? Math.max(0, Math.floor((expiresAt - now) / 1000)) : undefined,
      expires: lasting ? new Date(expiresAt) : undefined,
      domain: a.domain,
      path: a.path,
      httpOnly: a.httpOnly,
      secure: a.secure,
      sameSite: a.sameSite,
      partitioned: a.partitioned,
    });
  }

  /** The `Set-Cookie` value that deletes the cookie (or `undefined` without cookies). */
  clearCookie(): string | undefined {
    return this.#cleared;
  }

  /** The response header that hands a new token to an API client, if the header transport is on. */
  responseHeader(id: string): [name: string, value: string] | undefined {
    return this.#header ? [this.#header.responseHeader, this.#signer.sign(id)] : undefined;
  }
}
