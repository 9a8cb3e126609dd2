import { describe, expect, test } from 'vitest';
import { CasTokenCache } from '../src/cas-tokens.js';

const frame = { version: 1, expiresAt: 0, indexUntil: 0, userId: undefined };
const cas = 0x0101010101010101n;

describe('CAS token cache', () => {
  test('bounded: the oldest entry goes first', () => {
    const c = new CasTokenCache(2, 1000);
    c.set('a', cas, frame, 0);
    c.set('b', cas, frame, 0);
    c.set('c', cas, frame, 0);
    expect(c.size).toBe(2);
    expect(c.get('a', 0)).toBeUndefined();
    expect(c.get('c', 0)?.cas).toEqual(cas);
  });

  test('entries are only trusted for ttlMs; 0 disables the cache', () => {
    const c = new CasTokenCache(10, 1000);
    c.set('a', cas, frame, 0);
    expect(c.get('a', 1000)).toBeDefined();
    expect(c.get('a', 1001)).toBeUndefined();
    const off = new CasTokenCache(10, 0);
    off.set('a', cas, frame, 0);
    expect(off.get('a', 0)).toBeUndefined();
  });
});
