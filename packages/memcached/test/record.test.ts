import { MAX_USER_ID_BYTES } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { decodeRecord, decodeUserIndex, encodeRecord, encodeUserIndex, SESSION_HEADER_BYTES } from '../src/record.js';

const frame = {
  version: 7,
  expiresAt: 1_900_000_000_123,
  indexUntil: 1_900_000_100_000,
  userId: 'üser-1',
  data: new Uint8Array([0, 1, 2, 255]),
};

describe('session frame', () => {
  test('round trip with and without userId; data comes back as a plain Uint8Array', () => {
    const decoded = decodeRecord(encodeRecord(frame));
    expect(decoded).toEqual(frame);
    expect(Object.getPrototypeOf(decoded!.data)).toBe(Uint8Array.prototype);
    const anonymous = { ...frame, userId: undefined, indexUntil: 0 };
    expect(decodeRecord(encodeRecord(anonymous))).toEqual(anonymous);
    expect(encodeRecord(anonymous).length).toBe(SESSION_HEADER_BYTES + 4);
  });

  test('empty data and the empty-string userId survive', () => {
    const f = { ...frame, userId: '', data: new Uint8Array(0) };
    expect(decodeRecord(encodeRecord(f))).toEqual(f);
  });

  test('malformed values decode to null, never throw', () => {
    const good = encodeRecord(frame);
    const bad: Buffer[] = [
      Buffer.alloc(0),
      good.subarray(0, SESSION_HEADER_BYTES - 1),
      Buffer.from('{"json":"from another app"}'),
      Buffer.concat([Buffer.from([0x00]), good.subarray(1)]), // magic
      Buffer.concat([good.subarray(0, 1), Buffer.from([9]), good.subarray(2)]), // format
      Buffer.concat([good.subarray(0, 2), Buffer.from([0xfe]), good.subarray(3)]), // flags
    ];
    const version0 = Buffer.from(good);
    version0.writeDoubleBE(0, 3);
    const fractional = Buffer.from(good);
    fractional.writeDoubleBE(1.5, 3);
    const nanExpiry = Buffer.from(good);
    nanExpiry.writeDoubleBE(Number.NaN, 11);
    const longUid = Buffer.from(good);
    longUid.writeUInt16BE(MAX_USER_ID_BYTES + 1, 27);
    const truncatedUid = encodeRecord({ ...frame, data: new Uint8Array(0) }).subarray(0, SESSION_HEADER_BYTES + 2);
    const anonWithUid = Buffer.from(encodeRecord({ ...frame, userId: undefined }));
    anonWithUid.writeUInt16BE(1, 27);
    bad.push(version0, fractional, nanExpiry, longUid, truncatedUid, anonWithUid);
    for (const b of bad) expect(decodeRecord(b)).toBeNull();
    expect(decodeRecord(null)).toBeNull();
  });
});

describe('user index document', () => {
  test('round trip keeps order', () => {
    const entries = [
      { key: 'b', hint: 2 },
      { key: 'a', hint: 1 },
    ];
    expect(decodeUserIndex(encodeUserIndex(entries))).toEqual(entries);
  });

  test('duplicates are dropped, first one wins', () => {
    expect(decodeUserIndex(Buffer.from('{"v":1,"e":[["a",1],["a",2]]}'))).toEqual([{ key: 'a', hint: 1 }]);
  });

  test('malformed documents decode to null', () => {
    for (const text of [
      '',
      'not json',
      'null',
      '[]',
      '{"v":2,"e":[]}',
      '{"v":1,"e":{}}',
      '{"v":1,"e":[["a"]]}',
      '{"v":1,"e":[[1,2]]}',
      '{"v":1,"e":[["",2]]}',
      '{"v":1,"e":[["a","x"]]}',
    ]) {
      expect(decodeUserIndex(Buffer.from(text)), text).toBeNull();
    }
  });

  test('__proto__ keys are plain data', () => {
    const decoded = decodeUserIndex(Buffer.from('{"v":1,"e":[["__proto__",5]],"__proto__":{"polluted":true}}'));
    expect(decoded).toEqual([{ key: '__proto__', hint: 5 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
