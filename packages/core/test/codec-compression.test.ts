import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, compressedCodec, jsonCodec, type SessionRecord } from '../src/index.js';

const context = { key: 'k' };
const cart = Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: i % 4, title: `Item number ${i}` }));
const large: SessionRecord = { createdAt: 1, attributes: { cart, seen: new Date(5) } };
const small: SessionRecord = { createdAt: 1, attributes: { theme: 'dark' } };

describe('compressedCodec', () => {
  const codec = compressedCodec(jsonCodec);

  it('compresses a large record (format byte 1) and reads it back', () => {
    const bytes = codec.encode(large, context);
    expect(bytes[0]).toBe(1);
    expect(bytes.byteLength).toBeLessThan(jsonCodec.encode(large).byteLength / 3);
    expect(codec.decode(bytes, context)).toEqual(large);
  });

  it('stores a record under minBytes verbatim after format byte 0', () => {
    const bytes = codec.encode(small, context);
    expect(bytes[0]).toBe(0);
    expect(bytes.subarray(1)).toEqual(jsonCodec.encode(small));
    expect(codec.decode(bytes, context)).toEqual(small);
  });

  it('stores an output that deflate does not shrink by 10 % verbatim', () => {
    // JSON text always compresses somewhat; an inner codec with random output does not.
    const noise = new Uint8Array(randomBytes(2048));
    const opaque = compressedCodec({ name: 'opaque', encode: () => noise, decode: (data) => jsonCodec.decode(data) });
    const bytes = opaque.encode(small, context);
    expect(bytes[0]).toBe(0);
    expect(bytes.subarray(1)).toEqual(noise);
  });

  it('reads records written with other settings: the format byte decides, not the options', () => {
    const always = compressedCodec(jsonCodec, { minBytes: 0, level: 9 });
    const compressedSmall = always.encode(small, context);
    expect(compressedSmall[0]).toBe(0); // too small for deflate to save 10 %
    const compressedLarge = always.encode(large, context);
    expect(compressedLarge[0]).toBe(1);
    expect(codec.decode(compressedLarge, context)).toEqual(large);
    const never = compressedCodec(jsonCodec, { minBytes: 1 << 20 });
    expect(never.encode(large, context)[0]).toBe(0);
    expect(never.decode(compressedLarge, context)).toEqual(large);
  });

  it('passes the context to the inner codec both ways', () => {
    const seen: string[] = [];
    const inner = {
      name: 'spy',
      encode: (record: SessionRecord, ctx: { key: string }) => {
        seen.push(`encode ${ctx.key}`);
        return jsonCodec.encode(record);
      },
      decode: (data: Uint8Array, ctx: { key: string }) => {
        seen.push(`decode ${ctx.key}`);
        return jsonCodec.decode(data);
      },
    };
    const spied = compressedCodec(inner);
    spied.decode(spied.encode(large, { key: 'a' }), { key: 'b' });
    expect(seen).toEqual(['encode a', 'decode b']);
    expect(spied.name).toBe('spy+deflate');
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['an unknown format byte', new Uint8Array([7, 1, 2])],
    ['format 1 with bytes that are not deflate', new Uint8Array([1, 0xff, 0xff, 0xff])],
    ['jsonCodec output without a format byte', jsonCodec.encode(small)],
  ])('throws on %s (the manager reads it as missing)', (_, bytes) => {
    expect(() => codec.decode(bytes, context)).toThrow();
  });

  it('refuses a record that inflates past 64 MiB (a decompression bomb)', () => {
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024 + 1), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    expect(() => codec.decode(new Uint8Array([1, ...bomb]), context)).toThrow(RangeError);
  });

  it.each([
    [{ minBytes: -1 }, /minBytes/],
    [{ minBytes: 1.5 }, /minBytes/],
    [{ level: 0 }, /level/],
    [{ level: 10 }, /level/],
  ])('refuses %o', (options, message) => {
    expect(() => compressedCodec(jsonCodec, options)).toThrow(ConfigurationError);
    expect(() => compressedCodec(jsonCodec, options)).toThrow(message);
  });
});
