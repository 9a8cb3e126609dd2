/**
 * Small helpers shared by the feature checks: record builders, byte comparison, waiting, error assertions.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionStore, StoredSession } from '@sessionkit/core';
import { SessionKitError } from '@sessionkit/core';

export { sleep };

/** Options of {@link record}. */
export interface RecordOptions {
  /** The payload (default: 32 random bytes). */
  data?: Uint8Array;
  /** The version (default 1). */
  version?: number;
  /** Lifetime from now in ms (default 10 minutes). Ignored when `expiresAt` is given. */
  ttlMs?: number;
  /** Absolute deadline. */
  expiresAt?: number;
  /** Owner. */
  userId?: string;
}

/** Builds a {@link StoredSession} for a check. */
export function record(options: RecordOptions = {}): StoredSession {
  const session: StoredSession = {
    data: options.data ?? randomData(32),
    version: options.version ?? 1,
    expiresAt: options.expiresAt ?? Date.now() + (options.ttlMs ?? 10 * 60_000),
  };
  if (options.userId !== undefined) session.userId = options.userId;
  return session;
}

/** `size` random bytes. */
export function randomData(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

/** Every byte value 0..255 once, then in reverse, then a run of NULs and 0xFF (binary-safety probe). */
export function allByteValues(): Uint8Array {
  const out = new Uint8Array(256 * 2 + 64);
  for (let i = 0; i < 256; i++) {
    out[i] = i;
    out[511 - i] = i;
  }
  out.fill(0, 512, 544);
  out.fill(0xff, 544);
  return out;
}

/** Throws unless both byte arrays are identical; the message names the first difference, never dumps a MiB. */
export function assertSameBytes(actual: Uint8Array | undefined, expected: Uint8Array, what = 'data'): void {
  if (!(actual instanceof Uint8Array)) {
    throw new Error(`${what}: expected a Uint8Array, got ${describeValue(actual)}`);
  }
  if (actual.byteLength !== expected.byteLength) {
    throw new Error(`${what}: expected ${expected.byteLength} bytes, got ${actual.byteLength}`);
  }
  for (let i = 0; i < expected.byteLength; i++) {
    if (actual[i] !== expected[i]) {
      throw new Error(`${what}: byte ${i} differs (expected ${expected[i]}, got ${actual[i]})`);
    }
  }
}

/** Reads `key` and throws unless a live record is there; returns it. */
export async function mustGet(store: SessionStore, key: string, why = ''): Promise<StoredSession> {
  const got = await store.get(key);
  if (got === null) throw new Error(`expected a live record${why ? ` ${why}` : ''}, got null`);
  return got;
}

/** Reads `key` (eventual and strong) and throws unless both are exactly `null`. */
export async function mustMiss(store: SessionStore, key: string, why = ''): Promise<void> {
  for (const consistency of ['eventual', 'strong'] as const) {
    const got = await store.get(key, { consistency });
    if (got !== null) {
      throw new Error(`expected null from get(${consistency})${why ? ` ${why}` : ''}, got ${describeValue(got)}`);
    }
  }
}

/** Waits until `Date.now()` is past `epochMs`. */
export async function sleepUntil(epochMs: number): Promise<void> {
  const wait = epochMs - Date.now();
  if (wait > 0) await sleep(wait);
  while (Date.now() <= epochMs) await sleep(1);
}

/** Awaits `promise` and returns what it rejected with; throws if it resolved. */
export async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    const value = await promise;
    throw new ResolvedError(`${what}: expected a rejection, resolved with ${describeValue(value)}`);
  } catch (error) {
    if (error instanceof ResolvedError) throw error;
    return error;
  }
}

class ResolvedError extends Error {}

/**
 * Asserts `error` is a {@link SessionKitError} tagged with `store.name` (and an instance of `type`, if given).
 */
export function assertStoreError(
  error: unknown,
  store: SessionStore,
  what: string,
  type?: abstract new (...args: never[]) => SessionKitError,
): asserts error is SessionKitError {
  if (!(error instanceof SessionKitError)) {
    throw new Error(`${what}: expected a SessionKitError, got ${describeValue(error)}`);
  }
  const actual: SessionKitError = error;
  if (type && !(actual instanceof type)) {
    throw new Error(`${what}: expected ${type.name}, got ${error.name} (${error.code}): ${error.message}`);
  }
  if (error.store !== store.name) {
    throw new Error(`${what}: error.store is ${JSON.stringify(error.store)}, expected ${JSON.stringify(store.name)}`);
  }
}

/**
 * Settles all promises; throws if any rejected (listing the first few reasons), else returns the values.
 * Used by contention checks, where an ambiguous failure must not pass unnoticed.
 */
export async function allOrThrow<T>(promises: readonly Promise<T>[], what: string): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    const reasons = failed
      .slice(0, 3)
      .map((r) => describeValue(r.reason))
      .join('; ');
    throw new Error(`${what}: ${failed.length} of ${promises.length} calls rejected: ${reasons}`);
  }
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Fisher–Yates shuffle (returns a new array). */
export function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A short printable description of any value, for failure messages. */
export function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (value && typeof value === 'object') {
    try {
      return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
        const raw = this[key]; // before toJSON, so Buffers are summarised too
        return raw instanceof Uint8Array ? `<${raw.byteLength} bytes>` : v;
      });
    } catch {
      return String(value);
    }
  }
  return String(value);
}
