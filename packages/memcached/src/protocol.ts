/**
 * The few memcached binary-protocol requests this adapter builds itself.
 *
 * memjs 1.3.2 has no compare-and-set API: its `set`/`add`/`delete` always send CAS 0 and its `get` drops the
 * CAS from the response. The binary protocol has CAS in every header, so we build the request buffers here
 * (GET, SET, ADD, DELETE, each optionally carrying a CAS, and NOOP) and hand them to memjs's server
 * connections unchanged (see `connection.ts`). memjs is not patched.
 *
 * Request header layout (24 bytes, big-endian):
 * ```
 * 0 magic 0x80 | 1 opcode | 2-3 key length | 4 extras length | 5 data type | 6-7 vbucket
 * 8-11 total body length | 12-15 opaque | 16-23 CAS
 * ```
 * followed by extras, key and value. A response has the same layout with magic 0x81 and the status in 6-7;
 * a successful GET response carries the item's CAS at offset 16.
 *
 * @module
 */

/** Request magic byte. */
export const REQUEST_MAGIC = 0x80;
/** Response magic byte. */
export const RESPONSE_MAGIC = 0x81;
/** Size of a binary-protocol header. */
export const HEADER_BYTES = 24;
/** Size of a CAS token. */
export const CAS_BYTES = 8;

/** The opcodes used by this adapter. */
export const Opcode = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  DELETE: 0x04,
  NOOP: 0x0a,
} as const;
/** One of {@link Opcode}'s values. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Response status codes this adapter branches on. */
export const Status = {
  /** Success. */
  OK: 0x0000,
  /** KEY_ENOENT: no such key (GET miss; SET/DELETE with a CAS on a key that is gone). */
  KEY_NOT_FOUND: 0x0001,
  /** KEY_EEXISTS: ADD on an existing key, or the CAS in the request no longer matches the item. */
  KEY_EXISTS: 0x0002,
  /** E2BIG: the item is larger than the server's item size limit (`-I`, 1 MB by default). */
  VALUE_TOO_LARGE: 0x0003,
  /** EINVAL: e.g. a key longer than 250 bytes. */
  INVALID_ARGUMENTS: 0x0004,
  /** NOT_STORED. */
  NOT_STORED: 0x0005,
  /** ENOMEM: the server could not allocate the item. */
  OUT_OF_MEMORY: 0x0082,
} as const;

/** The largest key memcached accepts, in bytes. */
export const MAX_KEY_BYTES = 250;

/** A CAS token: the 8 bytes from a response header, or the same as an unsigned 64-bit bigint. */
export type Cas = Buffer | bigint;

/** A CAS of all zeroes means "no CAS check" in a request. */
export const NO_CAS: Buffer = Buffer.alloc(CAS_BYTES);

/** Writes a CAS token at offset 16 of a request header. */
function writeCas(buf: Buffer, cas: Cas): void {
  if (typeof cas === 'bigint') buf.writeBigUInt64BE(cas, 16);
  else cas.copy(buf, 16);
}

function assertOpaque(opaque: number): void {
  if (!Number.isInteger(opaque) || opaque < 0 || opaque > 0xffffffff) {
    throw new RangeError('opaque must be a 32-bit unsigned integer');
  }
}

function assertCas(cas: Cas): void {
  if (typeof cas === 'bigint') {
    if (cas < 0n || cas > 0xffffffffffffffffn) throw new RangeError('a CAS token is an unsigned 64-bit number');
  } else if (cas.length !== CAS_BYTES) {
    throw new RangeError(`a CAS token is ${CAS_BYTES} bytes`);
  }
}

/** Builds a request buffer: header, extras, key, value. */
export function buildRequest(
  opcode: number,
  key: Buffer,
  extras: Buffer,
  value: Uint8Array,
  opaque: number,
  cas: Cas = NO_CAS,
): Buffer {
  assertOpaque(opaque);
  assertCas(cas);
  if (key.length > 0xffff) throw new RangeError('key too long');
  if (extras.length > 0xff) throw new RangeError('extras too long');
  const bodyLength = extras.length + key.length + value.byteLength;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
  buf.writeUInt8(REQUEST_MAGIC, 0);
  buf.writeUInt8(opcode, 1);
  buf.writeUInt16BE(key.length, 2);
  buf.writeUInt8(extras.length, 4);
  buf.writeUInt8(0, 5); // data type: raw bytes
  buf.writeUInt16BE(0, 6); // vbucket id
  buf.writeUInt32BE(bodyLength, 8);
  buf.writeUInt32BE(opaque, 12);
  writeCas(buf, cas);
  extras.copy(buf, HEADER_BYTES);
  key.copy(buf, HEADER_BYTES + extras.length);
  buf.set(value, HEADER_BYTES + extras.length + key.length);
  return buf;
}

/** A GET request. The response carries the value, 4 bytes of flags as extras, and the item's CAS. */
export function buildGet(key: Buffer, opaque: number): Buffer {
  return buildRequest(Opcode.GET, key, Buffer.alloc(0), new Uint8Array(0), opaque);
}

/**
 * A SET (or ADD) request. Extras are 4 bytes of flags and 4 bytes of exptime (see `ttl.ts` for what the
 * exptime number means). With a non-zero `cas` the server only stores if the item still has that CAS:
 * status 0 on success, KEY_EEXISTS if it changed, KEY_ENOENT if it is gone (so a CAS write never recreates a
 * deleted item).
 */
export function buildStore(
  opcode: typeof Opcode.SET | typeof Opcode.ADD,
  key: Buffer,
  value: Uint8Array,
  exptime: number,
  opaque: number,
  cas: Cas = NO_CAS,
  flags = 0,
): Buffer {
  if (!Number.isInteger(exptime) || exptime < 0 || exptime > 0xffffffff) {
    throw new RangeError('exptime must be a 32-bit unsigned integer');
  }
  const extras = Buffer.allocUnsafe(8);
  extras.writeUInt32BE(flags >>> 0, 0);
  extras.writeUInt32BE(exptime, 4);
  return buildRequest(opcode, key, extras, value, opaque, cas);
}

/**
 * Like {@link buildStore}, but the value is written straight into the request by `writeValue(target,
 * offset)` (`valueLength` bytes), saving one allocation and copy of the value. Returns the request and the
 * offset at which the value starts.
 */
export function buildStoreWith(
  opcode: typeof Opcode.SET | typeof Opcode.ADD,
  key: Buffer,
  valueLength: number,
  writeValue: (target: Buffer, offset: number) => void,
  exptime: number,
  opaque: number,
  cas: Cas = NO_CAS,
): { request: Buffer; valueOffset: number } {
  assertOpaque(opaque);
  assertCas(cas);
  if (!Number.isInteger(exptime) || exptime < 0 || exptime > 0xffffffff) {
    throw new RangeError('exptime must be a 32-bit unsigned integer');
  }
  if (key.length > 0xffff) throw new RangeError('key too long');
  const bodyLength = 8 + key.length + valueLength;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
  buf.writeUInt8(REQUEST_MAGIC, 0);
  buf.writeUInt8(opcode, 1);
  buf.writeUInt16BE(key.length, 2);
  buf.writeUInt8(8, 4);
  buf.writeUInt8(0, 5);
  buf.writeUInt16BE(0, 6);
  buf.writeUInt32BE(bodyLength, 8);
  buf.writeUInt32BE(opaque, 12);
  writeCas(buf, cas);
  buf.writeUInt32BE(0, HEADER_BYTES); // flags
  buf.writeUInt32BE(exptime, HEADER_BYTES + 4);
  key.copy(buf, HEADER_BYTES + 8);
  const valueOffset = HEADER_BYTES + 8 + key.length;
  writeValue(buf, valueOffset);
  return { request: buf, valueOffset };
}

/** A DELETE request, optionally conditional on `cas`. */
export function buildDelete(key: Buffer, opaque: number, cas: Cas = NO_CAS): Buffer {
  return buildRequest(Opcode.DELETE, key, Buffer.alloc(0), new Uint8Array(0), opaque, cas);
}

/** A NOOP request: the server answers status 0 with no body (what `connect()` waits for). */
export function buildNoop(opaque: number): Buffer {
  return buildRequest(Opcode.NOOP, Buffer.alloc(0), Buffer.alloc(0), new Uint8Array(0), opaque);
}

/** A CAS token from a response header as a bigint (a small heap value, unlike a Buffer view). */
export function casToBigInt(cas: Buffer): bigint {
  return cas.readBigUInt64BE(0);
}
