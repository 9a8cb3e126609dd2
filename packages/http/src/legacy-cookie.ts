/**
 * {@link LegacyCookie}: the express-session cookie (`connect.sid` by default) as the `legacy` option reads,
 * verifies and expires it.
 *
 * express-session sends `s:` + cookie-signature's `sign(sid, secret)`, URL-encoded by the `cookie` package:
 * `s:<sid>.<sig>`, where `sig` is base64 (standard alphabet, `=` padding stripped) of HMAC-SHA256(secret, sid)
 * and `sid` is everything before the last dot. cookie-signature's `unsign` accepts exactly the string `sign`
 * would produce, so the signature must be the canonical 43-character spelling of the 32-byte digest. Here the
 * decoded 32 bytes are compared with `crypto.timingSafeEqual` against the digest under **every** old secret,
 * with no early exit (express-session stops at the first secret that matches, and cookie-signature 1.0.x
 * compares SHA-1s of the strings instead), so the time does not depend on which secret matched or on how many
 * leading bytes were right. A cookie that fails is never looked up.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '@sessionkit/core';
import type { CookieAttributes } from './cookie.js';
import { readCookieValues, serializeCookie } from './cookie.js';
import { DIGEST_BYTES } from './session-id-mac.js';
import type { IncomingHeaders } from './transport.js';

/** The old app's secret (express-session's `secret` option): one, or its rotation list (all verify). */
export type LegacySecrets = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** Attributes of the `Set-Cookie` that expires the legacy cookie: match the old app's `cookie` options. */
export type LegacyCookieAttributes = Pick<
  CookieAttributes,
  'path' | 'domain' | 'secure' | 'httpOnly' | 'sameSite' | 'partitioned'
>;

/** A legacy cookie whose signature verified. */
export interface VerifiedLegacyCookie {
  /** The express-session session ID (the old store's key, minus the store's prefix). */
  sid: string;
  /** The old secret that signed it (the claim keys are derived from it, see `legacy-claim.ts`). */
  secret: Buffer;
}

/** Longest sid accepted. express-session's own are 32 characters; `genid` may make longer ones. */
export const MAX_LEGACY_SID_LENGTH = 256;

/**
 * `s:`, the sid (1 to {@link MAX_LEGACY_SID_LENGTH} characters, up to the last dot), and a signature in
 * canonical unpadded base64: 42 characters and a last one whose two low bits are zero (a 256-bit digest fills
 * 258 bits of base64), so exactly one spelling matches each digest, as in cookie-signature.
 */
const SIGNED_VALUE = new RegExp(`^s:([^]{1,${MAX_LEGACY_SID_LENGTH}})\\.([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048])$`);

/** The express-session cookie of one `legacy` configuration. */
export class LegacyCookie {
  /** The cookie name. */
  readonly name: string;
  /** The `Set-Cookie` value that expires the cookie (built once). */
  readonly expired: string;
  /** `name=`, searched for in the `Cookie` header before anything is parsed. */
  readonly #needle: string;
  readonly #secrets: readonly Buffer[];

  /** Validates the name, the secrets and the attributes at startup ({@link ConfigurationError}). */
  constructor(name: string, secrets: LegacySecrets, attributes: LegacyCookieAttributes) {
    const list = typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : [...secrets];
    this.#secrets = list.map((secret, index) => {
      const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
      if (bytes.length === 0) throw new ConfigurationError(`legacy secret #${index + 1} is empty`);
      return bytes;
    });
    if (this.#secrets.length === 0)
      throw new ConfigurationError("legacy.secrets: give the old app's express-session secret");
    this.name = name;
    this.#needle = `${name}=`;
    this.expired = serializeCookie(name, '', { ...attributes, maxAge: 0, expires: new Date(0) });
  }

  /**
   * Whether the request may carry the cookie: a substring search of the `Cookie` header, no parsing and no
   * allocation. `false` means it certainly does not.
   */
  presentedIn(headers: IncomingHeaders): boolean {
    const header = headers.cookie;
    return typeof header === 'string' ? header.includes(this.#needle) : header !== undefined;
  }

  /**
   * The verified cookie of a request, or `undefined` when it has none, has several (a tossed or planted second
   * cookie: which one is genuine cannot be told), or its value is not `s:<sid>.<sig>` signed by one of the
   * secrets. Pure computation: no store call.
   */
  read(headers: IncomingHeaders): VerifiedLegacyCookie | undefined {
    if (!this.presentedIn(headers)) return undefined;
    const values = readCookieValues(headers.cookie, this.name);
    return values.length === 1 ? this.verify(decodeValue(values[0]!)) : undefined;
  }

  /**
   * Verifies a decoded cookie value (`s:<sid>.<sig>`) under every secret: the full 32-byte digest, compared in
   * constant time against each secret's, with no early exit. Resolves the sid and the secret that signed it.
   */
  verify(value: string): VerifiedLegacyCookie | undefined {
    const match = SIGNED_VALUE.exec(value);
    if (match === null) return undefined;
    const sid = match[1]!;
    const given = Buffer.from(match[2]!, 'base64');
    if (given.length !== DIGEST_BYTES) return undefined;
    let matched: Buffer | undefined;
    for (const secret of this.#secrets) {
      const expected = createHmac('sha256', secret).update(sid, 'utf8').digest();
      if (timingSafeEqual(given, expected) && matched === undefined) matched = secret;
    }
    return matched === undefined ? undefined : { sid, secret: matched };
  }
}

/**
 * A raw cookie value as express-session reads it (with `cookie` 0.7, whose `parse` also drops surrounding
 * double quotes, which `cookie` 1.x no longer does): quotes dropped, then URI-decoded when it contains `%`; a
 * value that fails to decode stays as it is (and then fails verification).
 */
function decodeValue(raw: string): string {
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
