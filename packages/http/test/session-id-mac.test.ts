import { createHmac, randomBytes } from 'node:crypto';
import { generateSessionId } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { SessionIdMac } from '../src/session-id-mac.js';
import { createSigner } from '../src/signing.js';

describe('SessionIdMac', () => {
  // Keys shorter than a SHA-256 block, exactly one block, one byte over (hashed first) and much longer.
  for (const keyBytes of [32, 63, 64, 65, 200]) {
    it(`equals createHmac('sha256') for a ${keyBytes}-byte key, in both encodings`, () => {
      const key = randomBytes(keyBytes);
      const mac = new SessionIdMac(key);
      for (let i = 0; i < 50; i++) {
        const id = generateSessionId();
        const reference = createHmac('sha256', key).update(id, 'utf8').digest();
        expect(mac.digest(id, 'base64url')).toBe(reference.toString('base64url'));
        expect(Buffer.from(mac.digest(id, 'binary'), 'latin1').equals(reference)).toBe(true);
      }
    });
  }

  it('gives the same digest whatever was computed before (the reused buffers carry nothing over)', () => {
    const mac = new SessionIdMac(randomBytes(32));
    const id = generateSessionId();
    const first = mac.digest(id, 'base64url');
    for (let i = 0; i < 10; i++) mac.digest(generateSessionId(), 'binary');
    expect(mac.digest(id, 'base64url')).toBe(first);
  });

  it('keeps tokens signed with createHmac valid (cookies issued before this signer still verify)', () => {
    const secret = 'a-secret-of-at-least-thirty-two-bytes-for-tests';
    const id = generateSessionId();
    const legacy = `${id}.${createHmac('sha256', secret).update(id, 'utf8').digest('base64url')}`;
    const signer = createSigner(secret);
    expect(signer.sign(id)).toBe(legacy);
    expect(signer.verify(legacy)).toEqual({ id, stale: false });
  });
});
