import { describe, expect, it } from 'vitest';
import { generateSessionId, hashSessionId, isValidSessionId, SESSION_ID_LENGTH } from '../src/index.js';

describe('session IDs', () => {
  it('are 256-bit base64url strings that validate', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateSessionId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toHaveLength(SESSION_ID_LENGTH);
      expect(Buffer.from(id, 'base64url')).toHaveLength(32);
      expect(isValidSessionId(id)).toBe(true);
    }
  });

  it('rejects malformed, truncated, padded, non-canonical and non-string IDs', () => {
    const id = generateSessionId();
    const nonCanonical = `${id.slice(0, 42)}B`; // last char carries 4 bits: low bits must be zero
    const inner = `${id.slice(0, 10)}+${id.slice(11)}`; // a non-base64url character before the last one
    const malformed = [
      id.slice(1),
      `${id}=`,
      `${id}A`,
      `${id}\n`,
      id.replace(/.$/, '+'),
      nonCanonical,
      inner,
      '',
      ' '.repeat(43),
    ];
    for (const bad of [...malformed, 42, null, undefined, {}]) {
      expect(isValidSessionId(bad)).toBe(false);
    }
  });

  it('hashes to a SHA-256 base64url key that differs from the ID', () => {
    const id = generateSessionId();
    const key = hashSessionId(id);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toBe(id);
    expect(hashSessionId(id)).toBe(key);
  });
});
