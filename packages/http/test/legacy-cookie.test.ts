/**
 * The legacy cookie check (`src/legacy-cookie.ts`) against the real signing code: both cookie-signature
 * versions in the tree (the top-level one and the one express-session bundles) and cookies the real
 * express-session issues.
 */

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '@sessionkit/core';
import express from 'express';
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { LegacyCookie } from '../src/index.js';

const require = createRequire(import.meta.url);
type Signature = {
  sign(value: string, secret: string | Buffer): string;
  unsign(value: string, secret: string | Buffer): string | false;
};
/** cookie-signature as express-session uses it (its own bundled copy) and the top-level one. */
const signers: Array<[string, Signature]> = [
  [
    "express-session's cookie-signature",
    require(require.resolve('cookie-signature', { paths: [require.resolve('express-session')] })) as Signature,
  ],
  ['cookie-signature', require('cookie-signature') as Signature],
];

const OLD = 'keyboard cat';
const OLDER = 'the-secret-before-that';
const cookieOf = (value: string, name = 'connect.sid') => ({
  cookie: `theme=dark; ${name}=${encodeURIComponent(value)}; _ga=GA1.2.3`,
});
const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

describe('LegacyCookie', () => {
  const legacy = new LegacyCookie('connect.sid', [OLD, OLDER], { path: '/', httpOnly: true });

  describe.each(signers)('vectors from %s', (_name, signature) => {
    const sids = [
      randomBytes(24).toString('base64url'), // express-session's own: uid-safe(24)
      'with.dots.in.it',
      'genid-uuid-2f1c0d1e-9a8b-4c7d-8e6f-5a4b3c2d1e0f',
      'ünïcödé sid',
      'x',
    ];

    it.each(sids)('accepts s:sign(%j, secret) under the first and an older secret', (sid) => {
      for (const secret of [OLD, OLDER]) {
        const signed = `s:${signature.sign(sid, secret)}`;
        const verified = legacy.read(cookieOf(signed));
        expect(verified?.sid).toBe(sid);
        expect(verified?.secret.toString()).toBe(secret);
      }
    });

    it('rejects what the signing code rejects: flipped, truncated, extended, padded, non-canonical, foreign secret, unsigned', () => {
      const sid = randomBytes(24).toString('base64url');
      const signed = signature.sign(sid, OLD);
      const lastChar = signed.at(-1)!;
      // Same decoded bytes, another spelling: the last character's two padding bits set.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const nonCanonical = signed.slice(0, -1) + alphabet[alphabet.indexOf(lastChar) + 1]!;
      const forged = [
        flip(signed, signed.length - 3),
        flip(signed, 0),
        signed.slice(0, -1),
        `${signed}A`,
        `${signed}=`,
        nonCanonical,
        signature.sign(sid, "another app's secret"),
        sid,
        `${sid}.`,
      ];
      expect(Buffer.from(nonCanonical.split('.').at(-1)!, 'base64')).toEqual(
        Buffer.from(signed.split('.').at(-1)!, 'base64'),
      );
      for (const value of forged) {
        expect(signature.unsign(value, OLD), `cookie-signature rejects ${value}`).toBe(false);
        expect(legacy.read(cookieOf(`s:${value}`)), `rejected: ${value}`).toBeUndefined();
      }
      expect(legacy.read(cookieOf(signed)), 'without the s: prefix').toBeUndefined();
    });
  });

  it('verifies the cookies the real express-session issues, under its rotation list', async () => {
    for (const secret of [OLD, [OLDER, OLD], OLDER]) {
      const app = express();
      app.use(session({ secret, resave: false, saveUninitialized: false }));
      app.post('/login', (req, res) => {
        (req.session as unknown as { user: string }).user = 'u';
        res.json({ sid: req.sessionID });
      });
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/login`, {
          method: 'POST',
        });
        const { sid } = (await response.json()) as { sid: string };
        const pair = response.headers.getSetCookie()[0]!.split(';')[0]!;
        expect(pair.startsWith('connect.sid=s%3A')).toBe(true);
        const verified = legacy.read({ cookie: `a=b; ${pair}` });
        expect(verified?.sid).toBe(sid);
        expect(verified?.secret.toString()).toBe(Array.isArray(secret) ? secret[0] : secret);
      } finally {
        server.close();
      }
    }
  });

  it('refuses two cookies of the name (which one is genuine cannot be told), and reads a quoted value as the cookie package does', () => {
    const one = `s:${signers[0]![1].sign('a-sid', OLD)}`;
    const two = `s:${signers[0]![1].sign('b-sid', OLD)}`;
    expect(
      legacy.read({ cookie: `connect.sid=${encodeURIComponent(one)}; connect.sid=${encodeURIComponent(two)}` }),
    ).toBeUndefined();
    expect(legacy.read({ cookie: `connect.sid="${encodeURIComponent(one)}"` })?.sid).toBe('a-sid');
    expect(legacy.read({ cookie: `connect.sid=${one}` })?.sid, 'not URL-encoded').toBe('a-sid');
    expect(legacy.read({ cookie: 'connect.sid=%E0%A4%A' }), 'a value that fails to decode').toBeUndefined();
  });

  it('tells whether a request may carry the cookie without parsing it', () => {
    expect(legacy.presentedIn({})).toBe(false);
    expect(legacy.presentedIn({ cookie: 'sid=abc; theme=dark' })).toBe(false);
    expect(legacy.presentedIn({ cookie: 'theme=dark; connect.sid=s%3Aabc' })).toBe(true);
    expect(new LegacyCookie('old', OLD, {}).presentedIn({ cookie: 'connect.sid=x' })).toBe(false);
  });

  it("expires the cookie with the old app's path and domain", () => {
    expect(legacy.expired).toBe('connect.sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly');
    const custom = new LegacyCookie('shop.sid', Buffer.from(OLD), {
      path: '/shop',
      domain: 'example.com',
      secure: true,
      sameSite: 'lax',
    });
    expect(custom.expired).toBe(
      'shop.sid=; Max-Age=0; Domain=example.com; Path=/shop; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Lax',
    );
  });

  it('refuses a configuration without a secret, with an empty one, or with an invalid name', () => {
    expect(() => new LegacyCookie('connect.sid', [], {})).toThrow(ConfigurationError);
    expect(() => new LegacyCookie('connect.sid', '', {})).toThrow(ConfigurationError);
    expect(() => new LegacyCookie('bad name', OLD, {})).toThrow(ConfigurationError);
  });
});
