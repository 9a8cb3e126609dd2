import { describe, expect, it } from 'vitest';
import {
  assertPayloadFits,
  PayloadTooLargeError,
  type SessionKitError,
  StoreTimeoutError,
  StoreUnavailableError,
  ttlInUnits,
  withDeadline,
} from '../src/index.js';

describe('withDeadline', () => {
  it('resolves what the operation resolves', async () => {
    expect(await withDeadline('s', 'get', 1000, async () => 42)).toBe(42);
  });

  it('rejects with a typed timeout tagged with store and operation, and the late failure is observed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const slow = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 30));
      const error = await withDeadline('redis', 'update', 10, slow).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreTimeoutError);
      expect(error).toMatchObject({ store: 'redis', operation: 'update', timeoutMs: 10, retryable: true });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('wraps client errors as retryable StoreUnavailableError and keeps typed ones', async () => {
    const cause = new Error('ECONNREFUSED');
    const wrapped = await withDeadline('memcached', 'get', 1000, async () => Promise.reject(cause)).catch(
      (e: unknown) => e,
    );
    expect(wrapped).toBeInstanceOf(StoreUnavailableError);
    expect((wrapped as SessionKitError).cause).toBe(cause);
    const typed = new PayloadTooLargeError(2, 1, { store: 'x' });
    expect(await withDeadline('x', 'create', 1000, async () => Promise.reject(typed)).catch((e: unknown) => e)).toBe(
      typed,
    );
  });
});

describe('ttlInUnits', () => {
  it('is exact at millisecond granularity', () => {
    expect(ttlInUnits(10_500, 10_000, 1)).toBe(500);
  });

  it('never lets a whole-second clock delete before the deadline, nor keep it a full unit longer', () => {
    for (let i = 0; i < 10_000; i++) {
      const now = 1_700_000_000_000 + Math.floor(Math.random() * 1_000_000);
      const expiresAt = now + 1 + Math.floor(Math.random() * 100_000);
      const ttl = ttlInUnits(expiresAt, now, 1000);
      const deletedAt = (Math.floor(now / 1000) + ttl) * 1000; // how Cassandra and memcached count
      expect(deletedAt).toBeGreaterThanOrEqual(expiresAt);
      expect(deletedAt - expiresAt).toBeLessThan(1000);
    }
  });

  it('is at least one unit', () => {
    expect(ttlInUnits(5, 10, 1000)).toBe(1);
  });
});

describe('assertPayloadFits', () => {
  it('throws a typed error with size and limit', () => {
    expect(() => assertPayloadFits('s', 'create', new Uint8Array(4), 4)).not.toThrow();
    expect(() => assertPayloadFits('s', 'create', new Uint8Array(5), 4)).toThrow(PayloadTooLargeError);
  });
});
