/**
 * A small, strict cookie parser and serializer (RFC 6265). No URI decoding: session tokens are base64url, so a
 * value that would need decoding is not ours and is left as is (and then fails token validation).
 *
 * @module
 */
import { ConfigurationError } from '@sessionkit/core';

/** RFC 7230 token characters: what a cookie name may contain. */
const NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 cookie-octet: printable ASCII except space, `"`, `,`, `;` and `\`. */
const VALUE_PATTERN = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
/** Domain and path attribute values: printable ASCII without `;`. */
const ATTRIBUTE_PATTERN = /^[\x20-\x3A\x3C-\x7E]+$/;
/** Cookie headers larger than this are not parsed (browsers cap a cookie header far below it). */
const MAX_HEADER_LENGTH = 16 * 1024;

/** Attributes of a `Set-Cookie` header. */
export interface CookieAttributes {
  /** Seconds until the cookie expires; `0` deletes it. Omitted: a browser-session cookie. */
  maxAge?: number;
  /** Absolute expiry, sent alongside `Max-Age` for old clients. */
  expires?: Date;
  /** Domain attribute. Omit it (the default) to bind the cookie to the exact host. */
  domain?: string;
  /** Path attribute. */
  path?: string;
  /** Send only over HTTPS. */
  secure?: boolean;
  /** Hide from JavaScript. */
  httpOnly?: boolean;
  /** Cross-site policy. */
  sameSite?: 'strict' | 'lax' | 'none';
  /** CHIPS partitioned cookie (needs `secure`). */
  partitioned?: boolean;
}

/**
 * Every value of the cookie `name` in a `Cookie` header, in order. A well-behaved client sends one; several
 * values (e.g. a cookie tossed from a sibling subdomain) are returned so the caller can refuse them all.
 * Oversized headers yield nothing.
 */
export function readCookieValues(header: string | string[] | undefined, name: string): string[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (text.length === 0 || text.length > MAX_HEADER_LENGTH) return [];
  const values: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      const key = text.slice(start, eq).trim();
      if (key === name) values.push(text.slice(eq + 1, end).trim());
    }
    start = end + 1;
  }
  return values;
}

/** Serializes one `Set-Cookie` value. Throws {@link ConfigurationError} for a name, value or attribute that is not allowed. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  if (!NAME_PATTERN.test(name)) throw new ConfigurationError(`invalid cookie name "${name}"`);
  if (!VALUE_PATTERN.test(value)) throw new ConfigurationError('invalid cookie value');
  let out = `${name}=${value}`;
  if (attributes.maxAge !== undefined) {
    if (!Number.isFinite(attributes.maxAge)) throw new ConfigurationError('cookie maxAge must be finite');
    out += `; Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}`;
  }
  if (attributes.expires !== undefined) {
    if (Number.isNaN(attributes.expires.getTime())) throw new ConfigurationError('cookie expires is an invalid Date');
    out += `; Expires=${attributes.expires.toUTCString()}`;
  }
  if (attributes.domain !== undefined) {
    if (!ATTRIBUTE_PATTERN.test(attributes.domain)) throw new ConfigurationError('invalid cookie domain');
    out += `; Domain=${attributes.domain}`;
  }
  if (attributes.path !== undefined) {
    if (!ATTRIBUTE_PATTERN.test(attributes.path)) throw new ConfigurationError('invalid cookie path');
    out += `; Path=${attributes.path}`;
  }
  if (attributes.httpOnly) out += '; HttpOnly';
  if (attributes.secure) out += '; Secure';
  if (attributes.sameSite) {
    out += `; SameSite=${attributes.sameSite === 'strict' ? 'Strict' : attributes.sameSite === 'lax' ? 'Lax' : 'None'}`;
  }
  if (attributes.partitioned) out += '; Partitioned';
  return out;
}
