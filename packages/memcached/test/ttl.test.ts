import { describe, expect, test } from 'vitest';
import { MAX_RELATIVE_EXPTIME_SECONDS, toExptime } from '../src/ttl.js';

const now = 1_800_000_000_000;

describe('exptime conversion', () => {
  test('relative seconds, rounded up, never 0', () => {
    expect(toExptime(now + 1, now)).toBe(1);
    expect(toExptime(now + 1000, now)).toBe(1);
    expect(toExptime(now + 1001, now)).toBe(2);
    expect(toExptime(now + 3_600_000, now)).toBe(3600);
    expect(toExptime(now - 5000, now)).toBe(1); // already past: shortest TTL, never "no expiry"
  });

  test('exactly 30 days is still relative', () => {
    expect(toExptime(now + MAX_RELATIVE_EXPTIME_SECONDS * 1000, now)).toBe(MAX_RELATIVE_EXPTIME_SECONDS);
  });

  test('over 30 days becomes an absolute Unix time in seconds, rounded up', () => {
    const expiresAt = now + MAX_RELATIVE_EXPTIME_SECONDS * 1000 + 1500;
    expect(toExptime(expiresAt, now)).toBe(Math.ceil(expiresAt / 1000));
    expect(toExptime(now + 90 * 86_400_000 + 1, now)).toBe(now / 1000 + 90 * 86_400 + 1);
  });
});
