import memjs from 'memjs';
import { describe, expect, test } from 'vitest';
import {
  buildDelete,
  buildGet,
  buildNoop,
  buildRequest,
  buildStore,
  buildStoreWith,
  casToBigInt,
  HEADER_BYTES,
  Opcode,
  REQUEST_MAGIC,
} from '../src/protocol.js';

const key = Buffer.from('sk:some-key');
const cas = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);

describe('binary protocol requests', () => {
  test('GET is byte-identical to the request memjs builds itself', () => {
    expect(buildGet(key, 42)).toEqual(memjs.Utils.makeRequestBuffer(0, key, '', '', 42));
  });

  test('NOOP is byte-identical to the request memjs builds itself', () => {
    expect(buildNoop(7)).toEqual(memjs.Utils.makeRequestBuffer(0x0a, '', '', '', 7));
  });

  test('SET header: magic, opcode, lengths, opaque and CAS at offset 16; extras = flags + exptime', () => {
    const value = Buffer.from('hello');
    const req = buildStore(Opcode.SET, key, value, 3600, 0xfffffffe, cas, 7);
    const h = memjs.Header.fromBuffer(req);
    expect(h.magic).toBe(REQUEST_MAGIC);
    expect(h.opcode).toBe(0x01);
    expect(h.keyLength).toBe(key.length);
    expect(h.extrasLength).toBe(8);
    expect(h.totalBodyLength).toBe(8 + key.length + value.length);
    expect(h.opaque).toBe(0xfffffffe);
    expect(req.subarray(16, 24)).toEqual(cas);
    expect(req.readUInt32BE(HEADER_BYTES)).toBe(7); // flags
    expect(req.readUInt32BE(HEADER_BYTES + 4)).toBe(3600); // exptime
    expect(req.subarray(HEADER_BYTES + 8, HEADER_BYTES + 8 + key.length)).toEqual(key);
    expect(req.subarray(HEADER_BYTES + 8 + key.length)).toEqual(value);
    expect(req.length).toBe(HEADER_BYTES + 8 + key.length + value.length);
  });

  test('ADD without CAS equals what memjs sends for add()', () => {
    const value = Buffer.from('v');
    const extras = Buffer.concat([Buffer.alloc(4), memjs.Utils.makeExpiration(60)]);
    expect(buildStore(Opcode.ADD, key, value, 60, 9)).toEqual(memjs.Utils.makeRequestBuffer(2, key, extras, value, 9));
  });

  test('DELETE carries an optional CAS and no extras or value', () => {
    const plain = buildDelete(key, 5);
    expect(plain).toEqual(memjs.Utils.makeRequestBuffer(4, key, '', '', 5));
    const conditional = buildDelete(key, 5, cas);
    expect(conditional.subarray(16, 24)).toEqual(cas);
    expect(conditional.readUInt8(1)).toBe(0x04);
  });

  test('a Uint8Array value (not a Buffer) is copied as is', () => {
    const req = buildRequest(Opcode.SET, key, Buffer.alloc(0), new Uint8Array([9, 8, 7]), 1);
    expect([...req.subarray(HEADER_BYTES + key.length)]).toEqual([9, 8, 7]);
  });

  test('rejects impossible fields instead of writing a corrupt header', () => {
    expect(() => buildGet(key, -1)).toThrow(RangeError);
    expect(() => buildGet(key, 2 ** 32)).toThrow(RangeError);
    expect(() => buildStore(Opcode.SET, key, Buffer.alloc(0), -5, 1)).toThrow(RangeError);
    expect(() => buildStore(Opcode.SET, key, Buffer.alloc(0), 1.5, 1)).toThrow(RangeError);
    expect(() => buildRequest(Opcode.SET, key, Buffer.alloc(0), Buffer.alloc(0), 1, Buffer.alloc(4))).toThrow(
      RangeError,
    );
  });

  test('a CAS given as a bigint is written big-endian at offset 16', () => {
    const req = buildStore(Opcode.SET, key, Buffer.from('v'), 1, 1, 0x0102030405060708n);
    expect(req.subarray(16, 24)).toEqual(cas);
    expect(casToBigInt(cas)).toBe(0x0102030405060708n);
    expect(() => buildGet(key, 1)).not.toThrow();
    expect(() => buildDelete(key, 1, -1n)).toThrow(RangeError);
    expect(() => buildDelete(key, 1, 2n ** 64n)).toThrow(RangeError);
  });

  test('buildStoreWith writes the value in place and equals buildStore', () => {
    const value = Buffer.from('in place');
    const { request, valueOffset } = buildStoreWith(
      Opcode.SET,
      key,
      value.length,
      (t, o) => value.copy(t, o),
      60,
      3,
      cas,
    );
    expect(request).toEqual(buildStore(Opcode.SET, key, value, 60, 3, cas));
    expect(request.subarray(valueOffset)).toEqual(value);
  });
});
