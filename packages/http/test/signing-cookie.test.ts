import { ConfigurationError, generateSessionId, ManualClock, Session, SessionManager } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import {
  createSigner,
  MIN_SECRET_BYTES,
  readCookieValues,
  SessionHttp,
  serializeCookie,
  Transport,
} from '../src/index.js';

const SECRET = 's'.repeat(MIN_SECRET_BYTES);

describe('createSigner', () => {
  it('signs <id>.<sig> and verifies it', () => {
    const signer = createSigner(SECRET);
    const id = generateSessionId();
    const token = signer.sign(id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(token)).toEqual({ id, stale: false });
  });

  it('enforces the minimum secret length and at least one secret', () => {
    expect(() => createSigner('short')).toThrow(ConfigurationError);
    expect(() => createSigner([SECRET, 'short'])).toThrow(/secret #2/);
    expect(() => createSigner([])).toThrow(ConfigurationError);
    expect(() => createSigner(new Uint8Array(31))).toThrow(ConfigurationError);
  });

  it('the first secret signs, all verify; older ones are flagged stale', () => {
    const id = generateSessionId();
    const old = createSigner('o'.repeat(32)).sign(id);
    const rotated = createSigner([SECRET, 'o'.repeat(32)]);
    expect(rotated.verify(old)).toEqual({ id, stale: true });
    expect(rotated.sign(id)).toBe(createSigner(SECRET).sign(id));
  });

  it('rejects every malformed or forged shape', () => {
    const signer = createSigner(SECRET);
    const id = generateSessionId();
    const token = signer.sign(id);
    const bad: unknown[] = [
      undefined,
      null,
      42,
      '',
      id,
      `${id}.`,
      `.${token}`,
      `${token}=`,
      ` ${token}`,
      token.slice(1),
      `${token}a`,
      token.replace('.', ':'),
      token.toUpperCase(),
      `${id.slice(0, 42)}B.${token.slice(44)}`,
      `${'A'.repeat(43)}.${token.slice(44)}`,
      `${id}.${'A'.repeat(43)}`,
      token + token,
    ];
    for (const value of bad) expect(signer.verify(value), String(value)).toBeNull();
    expect(() => signer.sign('not-an-id')).toThrow(ConfigurationError);
  });

  it('accepts only the canonical spelling of a signature, though it compares digest bytes', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const signer = createSigner(SECRET);
    for (let round = 0; round < 20; round++) {
      const id = generateSessionId();
      const token = signer.sign(id);
      const last = alphabet.indexOf(token.at(-1)!);
      expect(last % 4, 'the two padding bits of a signature are zero').toBe(0);
      // The same 32 bytes spelled with non-zero padding bits: Buffer decoding would accept them.
      for (let bits = 1; bits < 4; bits++) {
        const variant = token.slice(0, -1) + alphabet[last + bits]!;
        expect(Buffer.from(variant.slice(44), 'base64url').equals(Buffer.from(token.slice(44), 'base64url'))).toBe(
          true,
        );
        expect(signer.verify(variant), variant).toBeNull();
      }
      expect(signer.verify(token)).toEqual({ id, stale: false });
    }
  });

  it('checks every secret of a rotation list', () => {
    const old = 'o'.repeat(MIN_SECRET_BYTES);
    const id = generateSessionId();
    const rotated = createSigner([SECRET, old]);
    expect(rotated.verify(createSigner(old).sign(id))).toEqual({ id, stale: true });
    expect(rotated.verify(createSigner(SECRET).sign(id))).toEqual({ id, stale: false });
    expect(rotated.verify(createSigner('x'.repeat(MIN_SECRET_BYTES)).sign(id))).toBeNull();
  });
});

describe('cookie parse/serialize', () => {
  it('reads every value of one name, strictly, without decoding', () => {
    expect(readCookieValues('a=1; sid=x.y; b=2', 'sid')).toEqual(['x.y']);
    expect(readCookieValues('sid=1;sid=2', 'sid')).toEqual(['1', '2']);
    expect(readCookieValues('xsid=1; sidx=2', 'sid')).toEqual([]);
    expect(readCookieValues('sid=a%20b', 'sid')).toEqual(['a%20b']);
    expect(readCookieValues(undefined, 'sid')).toEqual([]);
    expect(readCookieValues(`sid=1; ${'x'.repeat(17_000)}`, 'sid')).toEqual([]);
  });

  it('serializes attributes and refuses injection', () => {
    expect(
      serializeCookie('sid', 'v', { maxAge: 10.7, path: '/', httpOnly: true, secure: true, sameSite: 'strict' }),
    ).toBe('sid=v; Max-Age=10; Path=/; HttpOnly; Secure; SameSite=Strict');
    expect(() => serializeCookie('s id', 'v')).toThrow(ConfigurationError);
    expect(() => serializeCookie('sid', 'v;Domain=evil')).toThrow(ConfigurationError);
    expect(() => serializeCookie('sid', 'v', { path: '/;x' })).toThrow(ConfigurationError);
    expect(() => serializeCookie('sid', 'v', { maxAge: Number.NaN })).toThrow(ConfigurationError);
    expect(() => serializeCookie('sid', 'v', { expires: new Date(Number.NaN) })).toThrow(ConfigurationError);
    expect(() => serializeCookie('sid', 'secret token'), 'the refused value is not repeated').toThrow(/^(?!.*secret)/);
    expect(serializeCookie('sid', 'v', { maxAge: -5 }), 'a deadline in the past deletes the cookie').toBe(
      'sid=v; Max-Age=0',
    );
  });
});

describe('Transport cookie defaults', () => {
  const signer = createSigner(SECRET);
  it('uses __Host- when secure and host-only, __Secure- with a domain, the bare name when not secure', () => {
    expect(new Transport(signer, {}, undefined).cookieName).toBe('__Host-sid');
    expect(new Transport(signer, { domain: 'example.com' }, undefined).cookieName).toBe('__Secure-sid');
    expect(new Transport(signer, { secure: false }, undefined).cookieName).toBe('sid');
    expect(() => new Transport(signer, { name: '__Host-x', secure: false }, undefined)).toThrow(ConfigurationError);
    expect(() => new Transport(signer, { sameSite: 'none', secure: false }, undefined)).toThrow(ConfigurationError);
    expect(() => new Transport(signer, false, undefined)).toThrow(ConfigurationError);
  });

  it('a browser-session cookie carries no Max-Age/Expires', () => {
    const transport = new Transport(signer, { persistent: false }, undefined);
    const line = transport.setCookie(generateSessionId(), Date.now() + 1000, Date.now())!;
    expect(line).not.toMatch(/Max-Age|Expires/);
  });

  it('a context never touches the store for a rejected token', async () => {
    let calls = 0;
    const manager = new SessionManager({ idleTimeout: 1000, absoluteTimeout: 2000 });
    const original = manager.store.get.bind(manager.store);
    manager.store.get = (...args) => {
      calls++;
      return original(...args);
    };
    const http = new SessionHttp({ manager, secrets: SECRET });
    const ctx = http.context({ cookie: `__Host-sid=${generateSessionId()}.${'A'.repeat(43)}` });
    expect(await ctx.get()).toBeNull();
    expect(calls).toBe(0);
    expect((await ctx.commit()).setCookie[0]).toMatch(/^__Host-sid=; Max-Age=0;/);
  });

  it('a context commits only when there is something to write or send', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const manager = new SessionManager<{ n?: number }>({
      clock,
      idleTimeout: 30 * 60_000,
      absoluteTimeout: 8 * 3_600_000,
      touchAfter: 60_000,
    });
    const http = new SessionHttp({ manager, secrets: SECRET, clock });
    const seed = manager.create();
    seed.set('n', 1);
    await manager.commit(seed);
    const cookie = `__Host-sid=${createSigner(SECRET).sign(seed.id)}`;

    const unused = http.context({ cookie });
    expect(unused.needsCommit, 'never used').toBe(false);

    const reader = http.context({ cookie });
    expect((await reader.get())?.get('n')).toBe(1);
    expect(reader.needsCommit, 'unchanged, touch not due, current token').toBe(false);

    const writer = http.context({ cookie });
    (await writer.get())!.set('n', 2);
    expect(writer.needsCommit, 'modified').toBe(true);
    expect((await writer.commit()).setCookie).toHaveLength(1);

    clock.advance(2 * 60_000);
    const due = http.context({ cookie });
    await due.get();
    expect(due.needsCommit, 'touch due').toBe(true);

    const stale = new SessionHttp({ manager, secrets: ['n'.repeat(MIN_SECRET_BYTES), SECRET], clock }).context({
      cookie,
    });
    await stale.get();
    expect(stale.needsCommit, 'signed with an older secret: re-issue').toBe(true);

    const forged = http.context({ cookie: `__Host-sid=${generateSessionId()}.${'A'.repeat(43)}` });
    await forged.get();
    expect(forged.needsCommit, 'a rejected cookie is cleared').toBe(true);

    const anonymous = http.context({});
    expect(await anonymous.get()).toBeNull();
    expect(anonymous.needsCommit, 'nothing presented, nothing loaded').toBe(false);
  });

  it('a binding hooks the response only once a commit may be needed', async () => {
    const manager = new SessionManager({ idleTimeout: 60_000, absoluteTimeout: 120_000 });
    let hooked = 0;
    const http = new SessionHttp({ manager, secrets: SECRET });
    const ctx = http.context({}, { onCommitPossible: () => hooked++ });
    expect(hooked).toBe(0);
    await ctx.get();
    expect(hooked, 'an anonymous read has nothing to commit').toBe(0);
    await ctx.session();
    expect(hooked).toBe(1);
  });

  it('a read of an unchanged session arms the hooks only at its first change', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const manager = new SessionManager<{ n?: number; m?: number }>({
      clock,
      idleTimeout: 30 * 60_000,
      absoluteTimeout: 8 * 3_600_000,
      touchAfter: 60_000,
    });
    const http = new SessionHttp({ manager, secrets: SECRET, clock });
    const seed = manager.create();
    seed.set('n', 1);
    seed.set('m', 1);
    await manager.commit(seed);
    const cookie = `__Host-sid=${createSigner(SECRET).sign(seed.id)}`;
    const hooked = (): { count: number; ctx: ReturnType<typeof http.context> } => {
      const probe = { count: 0, ctx: undefined as unknown as ReturnType<typeof http.context> };
      probe.ctx = http.context({ cookie }, { onCommitPossible: () => probe.count++ });
      return probe;
    };

    const reader = hooked();
    const read = (await reader.ctx.get())!;
    expect(reader.count, 'unchanged and not due: no hooks').toBe(0);
    expect(read).toBeInstanceOf(Session);
    expect(Object.keys(read), 'watching adds no visible property').toEqual(Object.keys(seed));
    expect(read.get('n')).toBe(1);
    read.set('n', 2);
    expect(reader.count, 'the first change arms them').toBe(1);
    expect(reader.ctx.needsCommit).toBe(true);
    read.unset('m');
    read.set('n', 3);
    expect(reader.count, 'once').toBe(1);
    await reader.ctx.commit();
    expect((await manager.load(seed.id))?.toJSON()).toEqual({ n: 3 });

    const remover = hooked();
    (await remover.ctx.get())!.unset('n');
    expect(remover.count, 'unset arms them too').toBe(1);

    const twice = hooked();
    await Promise.all([twice.ctx.get(), twice.ctx.get()]);
    (await twice.ctx.get())!.set('n', 4);
    expect(twice.count, 'concurrent reads watch the session once').toBe(1);

    const lister = hooked();
    await lister.ctx.listForUser();
    expect(lister.count, 'listing changes nothing').toBe(0);

    clock.advance(2 * 60_000);
    const due = hooked();
    await due.ctx.get();
    expect(due.count, 'a touch is due: armed when the read settles').toBe(1);

    const destroyer = hooked();
    await destroyer.ctx.destroy();
    expect(destroyer.count, 'operations arm at once').toBe(1);
  });
});
