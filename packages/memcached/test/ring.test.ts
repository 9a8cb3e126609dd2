import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { HashRing } from '../src/ring.js';

const servers = (n: number) => Array.from({ length: n }, (_, i) => `127.0.0.1:${21211 + i}`);
const ring = (ids: string[]) => new HashRing(ids.map((id) => ({ id, node: id })));
const keys = Array.from({ length: 20_000 }, () => `sk:${randomBytes(32).toString('base64url')}`);

function movedFraction(from: HashRing, to: HashRing): number {
  let moved = 0;
  for (const k of keys) if (from.get(k) !== to.get(k)) moved++;
  return moved / keys.length;
}

describe('consistent-hash ring', () => {
  test('adding a 4th server to 3 moves about 1/4 of the keys (<= 1.3/N), all of them to the new server', () => {
    const three = ring(servers(3));
    const four = ring(servers(4));
    const fraction = movedFraction(three, four);
    console.log(
      `moved fraction 3 -> 4 servers: ${fraction.toFixed(4)} (ideal 1/4 = 0.25, target <= ${(1.3 / 4).toFixed(3)})`,
    );
    expect(fraction).toBeLessThanOrEqual(1.3 / 4);
    expect(fraction).toBeGreaterThan(0.1);
    for (const k of keys) if (three.get(k) !== four.get(k)) expect(four.get(k)).toBe(servers(4)[3]);
  });

  test('removing one of 4 moves only the keys it held', () => {
    const four = ring(servers(4));
    const without = ring(servers(4).filter((s) => s !== '127.0.0.1:21212'));
    let moved = 0;
    for (const k of keys) {
      if (four.get(k) === '127.0.0.1:21212') moved++;
      else expect(without.get(k)).toBe(four.get(k));
    }
    expect(moved / keys.length).toBeLessThanOrEqual(1.3 / 4);
  });

  test('keys spread evenly enough over 3 servers', () => {
    const three = ring(servers(3));
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(three.get(k), (counts.get(three.get(k)) ?? 0) + 1);
    for (const s of servers(3)) {
      const share = (counts.get(s) ?? 0) / keys.length;
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.47);
    }
  });

  test('the same servers in another order give the same placement (every process agrees)', () => {
    const a = ring(servers(3));
    const b = ring(servers(3).reverse());
    for (const k of keys.slice(0, 2000)) expect(b.get(k)).toBe(a.get(k));
  });

  test('a single server owns everything; invalid rings are refused', () => {
    const one = ring(servers(1));
    expect(one.get('anything')).toBe(servers(1)[0]);
    expect(() => ring([])).toThrow(RangeError);
    expect(() => ring(['a', 'a'])).toThrow(RangeError);
    expect(() => new HashRing([{ id: 'a', node: 1 }], 0)).toThrow(RangeError);
  });

  test('hash is the ketama point: first 4 bytes of MD5, little-endian', () => {
    // md5("") = d41d8cd98f00b204e9800998ecf8427e -> bytes d4 1d 8c d9 -> LE 0xd98c1dd4
    expect(HashRing.hash('')).toBe(0xd98c1dd4);
  });
});
