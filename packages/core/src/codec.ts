/**
 * Session codecs: how attributes and metadata become the opaque bytes a store keeps.
 *
 * The default {@link jsonCodec} writes UTF-8 JSON, keeps `Date` values, refuses anything JSON would silently
 * mangle (functions, symbols, BigInt, cycles, class instances, non-finite numbers) and drops the keys that
 * enable prototype pollution (`__proto__`, `constructor`, `prototype`) when reading.
 *
 * @module
 */
import { SerializationError } from './errors.js';

/** Attribute values a session can hold with the default codec. */
export type SessionValue =
  | string
  | number
  | boolean
  | null
  | Date
  | SessionValue[]
  | { [key: string]: SessionValue | undefined };

/** The attribute bag of a session. */
export type SessionData = Record<string, unknown>;

/** What a codec encodes: the attributes plus the metadata the manager needs back. */
export interface SessionRecord {
  /** Epoch milliseconds at which the session was created (start of the absolute timeout). */
  createdAt: number;
  /** The session's attributes. */
  attributes: SessionData;
}

/** What the manager tells a codec about the record it encodes or decodes. */
export interface CodecContext {
  /**
   * The store key the record is written under or was read from (the SHA-256 hash of the session ID). A codec
   * may bind its output to it, as `encryptedCodec` does, so a record copied under another key is refused.
   */
  readonly key: string;
}

/**
 * Turns a {@link SessionRecord} into bytes and back. `decode` throws on input it did not produce; the manager
 * then reports a `corrupt` event and reads the session as missing.
 */
export interface Codec {
  /** Name used in errors. */
  readonly name: string;
  /** Encodes a record; throws {@link SerializationError} for values it cannot represent faithfully. */
  encode(record: SessionRecord, context: CodecContext): Uint8Array;
  /** Decodes bytes produced by `encode` with the same context; throws on anything else. */
  decode(data: Uint8Array, context: CodecContext): SessionRecord;
}

/** A {@link Codec} whose output does not depend on the store key, so it can be called without a context. */
export interface ContextFreeCodec extends Codec {
  /** Encodes a record; the context, if given, is ignored. */
  encode(record: SessionRecord, context?: CodecContext): Uint8Array;
  /** Decodes bytes produced by `encode`; the context, if given, is ignored. */
  decode(data: Uint8Array, context?: CodecContext): SessionRecord;
}

/** Keys that are never read from stored data, so a crafted record cannot pollute prototypes. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const DATE_TAG = '$date';
const ESCAPE_TAG = '$esc';
const MAX_DEPTH = 64;

/** Whether `key` may be used as a session attribute or nested object key. */
export function isSafeKey(key: string): boolean {
  return !FORBIDDEN_KEYS.has(key);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Converts a value to its JSON-safe tagged form, or throws {@link SerializationError} with the path. */
function toTagged(value: unknown, path: string, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new SerializationError(`non-finite number ${value} cannot be stored`, path);
      return value;
    case 'object':
      break;
    default:
      throw new SerializationError(`a ${typeof value} cannot be stored`, path);
  }
  if (value === null) return null;
  if (depth > MAX_DEPTH) throw new SerializationError(`nesting deeper than ${MAX_DEPTH} levels`, path);
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) throw new SerializationError('an invalid Date cannot be stored', path);
    return { [DATE_TAG]: time };
  }
  if (seen.has(value)) throw new SerializationError('circular reference', path);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item, index) => {
        if (item === undefined)
          throw new SerializationError('undefined inside an array cannot be stored', `${path}[${index}]`);
        return toTagged(item, `${path}[${index}]`, depth + 1, seen);
      });
    }
    if (!isPlainObject(value)) {
      const kind = value.constructor?.name ?? 'object';
      throw new SerializationError(`a ${kind} instance cannot be stored (use plain objects, arrays and Dates)`, path);
    }
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (const key of keys) {
      const child = value[key];
      const childPath = path ? `${path}.${key}` : key;
      if (!isSafeKey(key)) throw new SerializationError(`the key "${key}" is not allowed`, childPath);
      if (child === undefined) continue;
      out[key] = toTagged(child, childPath, depth + 1, seen);
    }
    // A user object that looks like one of our tags is wrapped so it reads back as itself.
    if (keys.length === 1 && (keys[0] === DATE_TAG || keys[0] === ESCAPE_TAG)) return { [ESCAPE_TAG]: out };
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Checks that a value can be written as plain JSON without tagging: only JSON types, no Dates, no objects
 * that look like tags. Allocates nothing, so the common case costs one walk plus a native stringify.
 * Returns false (and leaves the precise error to {@link toTagged}) at the first thing needing more care.
 * Scalars are checked inline and keys compared with `===`, not a `Set` (why: commit 5ccb1b5).
 */
function isPlainJson(value: object, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' ? item !== null && !isPlainJson(item, depth + 1) : !isJsonScalar(item)) return false;
    }
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    if (key === DATE_TAG || key === ESCAPE_TAG || key === '__proto__' || key === 'constructor' || key === 'prototype') {
      return false;
    }
    const child: unknown = (value as Record<string, unknown>)[key];
    if (typeof child === 'object') {
      if (child !== null && !isPlainJson(child, depth + 1)) return false;
    } else if (child !== undefined && !isJsonScalar(child)) return false;
  }
  return true;
}

/** Whether a non-object value is a string, a boolean or a finite number (`undefined` is not). */
function isJsonScalar(value: unknown): boolean {
  // `value - value === 0` is true exactly for finite numbers.
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && value - value === 0);
}

/**
 * Whether parsed text may need {@link fromTagged}: it holds a tag, a key that must be dropped, or any escape
 * (a `\u` escape could spell such a key in disguise). Text without any of these parses to final attributes.
 * Each check may say yes for text that does not need reviving (a `constructor` inside a value): that only
 * costs the slower, equally correct path.
 */
function needsReviving(text: string): boolean {
  // Key names are looked for without their quotes, and '"$' only once '$' was found (why: commit 5ccb1b5).
  return (
    (text.includes('$') && text.includes('"$')) ||
    text.includes('\\') ||
    text.includes('__proto__') ||
    text.includes('constructor') ||
    text.includes('prototype')
  );
}

/** Reverses {@link toTagged} on parsed JSON, dropping prototype-polluting keys. */
function fromTagged(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH + 2) throw new Error('stored data is nested too deeply');
  if (Array.isArray(value)) return value.map((item) => fromTagged(item, depth + 1));
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  if (keys.length === 1 && keys[0] === DATE_TAG) {
    const time = source[DATE_TAG];
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new Error('malformed stored Date');
    return new Date(time);
  }
  if (keys.length === 1 && keys[0] === ESCAPE_TAG) return decodeObject(source[ESCAPE_TAG], depth + 1);
  return decodeObject(source, depth);
}

function decodeObject(value: unknown, depth: number): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('malformed stored object');
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (isSafeKey(key)) out[key] = fromTagged(child, depth + 1);
  }
  return out;
}

const encoder = new TextEncoder();
// ignoreBOM keeps a leading byte-order mark in the text (as `Buffer#toString` did), so JSON.parse refuses it:
// the codec never writes one.
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 to text, refusing invalid bytes. The lenient decoder marks invalid bytes with U+FFFD; only text
 * containing U+FFFD (rare in session data) is decoded again strictly, which throws if the bytes really were
 * invalid. Lenient first because it is the faster one (why: commit d4fbcce).
 */
function decodeUtf8(data: Uint8Array): string {
  const text = lenientDecoder.decode(data);
  return text.includes('\uFFFD') ? strictDecoder.decode(data) : text;
}

/**
 * The default codec: UTF-8 JSON `{"c": createdAt, "a": attributes}` with `Date` values tagged as
 * `{"$date": epochMs}`. Safe against prototype pollution; strict about what it accepts.
 */
export const jsonCodec: ContextFreeCodec = {
  name: 'json',
  encode(record: SessionRecord): Uint8Array {
    // Fast path: plain JSON data (the common case) is stringified natively; cycles cannot pass the depth cap.
    const attributes = isPlainJson(record.attributes, 0)
      ? record.attributes
      : toTagged(record.attributes, '', 0, new Set());
    return encoder.encode(JSON.stringify({ c: record.createdAt, a: attributes }));
  },
  decode(data: Uint8Array): SessionRecord {
    const text = decodeUtf8(data);
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a session record');
    const { c, a } = parsed as { c?: unknown; a?: unknown };
    if (typeof c !== 'number' || !Number.isFinite(c)) throw new Error('session record without a valid createdAt');
    if (a === null || typeof a !== 'object' || Array.isArray(a)) throw new Error('malformed stored object');
    // Fast path: without tags or dangerous keys in the text, the parsed attributes are already final.
    return { createdAt: c, attributes: needsReviving(text) ? decodeObject(a, 0) : (a as SessionData) };
  },
};
