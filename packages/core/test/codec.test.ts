import { describe, expect, it } from 'vitest';
import { jsonCodec, SerializationError } from '../src/index.js';

const roundTrip = (attributes: Record<string, unknown>) =>
  jsonCodec.decode(jsonCodec.encode({ createdAt: 1, attributes })).attributes;

describe('jsonCodec', () => {
  it('round-trips JSON values and Dates, nested', () => {
    const when = new Date('2026-01-02T03:04:05.678Z');
    const data = { s: 'x', n: 1.5, b: true, z: null, d: when, list: [1, { at: when }], deep: { a: { b: [when] } } };
    expect(roundTrip(data)).toEqual(data);
    expect((roundTrip({ d: when }).d as Date).getTime()).toBe(when.getTime());
  });

  it('keeps user objects that look like its own tags', () => {
    const data = { fake: { $date: 5 }, esc: { $esc: { a: 1 } } };
    expect(roundTrip(data)).toEqual(data);
  });

  it('drops undefined object properties like JSON does', () => {
    expect(roundTrip({ a: { x: undefined, y: 1 } })).toEqual({ a: { y: 1 } });
  });

  it.each([
    ['a function', { f: () => 1 }, 'f'],
    ['a symbol', { s: Symbol('x') }, 's'],
    ['a BigInt', { n: 10n }, 'n'],
    ['NaN', { n: Number.NaN }, 'n'],
    ['Infinity', { deep: { n: Number.POSITIVE_INFINITY } }, 'deep.n'],
    ['a Map', { m: new Map() }, 'm'],
    ['a class instance', { u: new URL('http://x') }, 'u'],
    ['an invalid Date', { d: new Date(Number.NaN) }, 'd'],
    ['undefined in an array', { a: [1, undefined] }, 'a[1]'],
  ])('refuses %s with the path', (_label, attributes, path) => {
    const error = (() => {
      try {
        jsonCodec.encode({ createdAt: 1, attributes });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).path).toBe(path);
  });

  it('refuses cycles and absurd nesting', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonCodec.encode({ createdAt: 1, attributes: { cyclic } })).toThrow(SerializationError);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep.next = {};
    expect(() => jsonCodec.encode({ createdAt: 1, attributes: root })).toThrow(/nesting/);
  });

  it('refuses prototype-polluting keys on write', () => {
    const attributes = JSON.parse('{"a":{"__proto__":{"polluted":1}}}') as Record<string, unknown>;
    expect(() => jsonCodec.encode({ createdAt: 1, attributes })).toThrow(SerializationError);
  });

  it('drops prototype-polluting keys on read', () => {
    const crafted =
      '{"c":1,"a":{"__proto__":{"polluted":true},"x":{"constructor":{"prototype":{"polluted":true}}},"ok":1}}';
    const record = jsonCodec.decode(new TextEncoder().encode(crafted));
    const merged = Object.assign({}, record.attributes);
    expect(merged).toEqual({ x: {}, ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(record.attributes)).toBe(Object.prototype);
  });

  it('drops prototype-polluting keys spelled with escapes on read', () => {
    const crafted = String.raw`{"c":1,"a":{"\u005f_proto__":{"polluted":true},"\u0063onstructor":1,"ok":1}}`;
    const record = jsonCodec.decode(new TextEncoder().encode(crafted));
    expect(Object.keys(record.attributes)).toEqual(['ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads back values that merely mention the guarded words and characters', () => {
    // Each of these sends decoding down the reviving path; the data must come back unchanged.
    const data = {
      words: 'constructor prototype __proto__',
      money: '$5',
      key$: 1,
      path: 'C:\\temp',
      nested: [{ note: 'the prototype' }],
    };
    expect(roundTrip(data)).toEqual(data);
  });

  it('tags Dates and tag-like objects wherever they sit, next to plain data', () => {
    const when = new Date(7);
    const data = { list: [1, 'a', null, [{ at: when }]], mixed: { $date: 5, other: true }, flag: false };
    const text = new TextDecoder().decode(jsonCodec.encode({ createdAt: 1, attributes: data }));
    expect(text).toContain('{"$date":7}');
    expect(roundTrip(data)).toEqual(data);
  });

  it('refuses prototype-polluting keys at any depth on write', () => {
    for (const key of ['constructor', 'prototype']) {
      const attributes = { a: [{ b: JSON.parse(`{"${key}":1}`) as unknown }] };
      expect(() => jsonCodec.encode({ createdAt: 1, attributes })).toThrow(SerializationError);
    }
  });

  it.each([
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    [
      'invalid UTF-8 inside a value',
      new Uint8Array([
        ...new TextEncoder().encode('{"c":1,"a":{"s":"'),
        0xc3,
        0x28,
        ...new TextEncoder().encode('"}}'),
      ]),
    ],
    ['a leading byte-order mark', new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"c":1,"a":{}}')])],
    ['not JSON', new TextEncoder().encode('{oops')],
    ['no createdAt', new TextEncoder().encode('{"a":{}}')],
    ['attributes not an object', new TextEncoder().encode('{"c":1,"a":[1]}')],
    ['a malformed date', new TextEncoder().encode('{"c":1,"a":{"d":{"$date":"x"}}}')],
  ])('throws when decoding %s', (_label, bytes) => {
    expect(() => jsonCodec.decode(bytes)).toThrow();
  });
});
