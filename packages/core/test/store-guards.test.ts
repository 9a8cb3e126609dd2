import { describe, expect, it } from 'vitest';
import {
  assertValidExpiry,
  assertValidKey,
  assertValidRecord,
  assertValidUserId,
  ConfigurationError,
  connectionErrorCode,
  epochSecondsAtOrAfter,
  integerOption,
  MAX_USER_ID_BYTES,
  mapLimit,
  refuseRenamedOptions,
  storeName,
  stringOption,
  ttlSeconds,
  ttlToBoundaryMs,
} from '../src/index.js';

const record = { data: new Uint8Array([1]), version: 1, expiresAt: 1_700_000_000_000 };

describe('store guards', () => {
  it('reject malformed keys, records, deadlines and owners with one message each, tagged with store and operation', () => {
    const cases: Array<[() => void, RegExp]> = [
      [() => assertValidKey('redis', 'get', ''), /non-empty string of at most 512/],
      [() => assertValidKey('redis', 'get', 'k'.repeat(513)), /at most 512/],
      [() => assertValidExpiry('redis', 'touch', Number.NaN), /expiresAt must be a finite epoch-millisecond number/],
      [
        () => assertValidRecord('redis', 'create', 'k', { ...record, data: 'x' as never }),
        /session.data must be a Uint8Array/,
      ],
      [
        () => assertValidRecord('redis', 'create', 'k', { ...record, version: 0 }),
        /session.version must be a positive integer/,
      ],
      [
        () => assertValidRecord('redis', 'create', 'k', { ...record, expiresAt: Infinity }),
        /expiresAt must be a finite/,
      ],
      [() => assertValidRecord('redis', 'create', 'k', { ...record, userId: '' }), /userId must be a non-empty string/],
      [
        () => assertValidUserId('redis', 'listByUser', 'é'.repeat(MAX_USER_ID_BYTES / 2 + 1)),
        /at most 256 UTF-8 bytes/,
      ],
    ];
    for (const [call, message] of cases) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(message)).toBeInstanceOf(ConfigurationError);
      expect((thrown as Error).message).toMatch(message);
      expect(thrown).toMatchObject({ store: 'redis' });
    }
  });

  it('accept what the contract allows', () => {
    expect(() =>
      assertValidRecord('memory', 'create', 'k', { ...record, userId: 'é'.repeat(MAX_USER_ID_BYTES / 2) }),
    ).not.toThrow();
    expect(() => assertValidUserId('memory', 'listByUser', 'x'.repeat(MAX_USER_ID_BYTES))).not.toThrow();
  });
});

describe('TTL family', () => {
  it('ttlSeconds ends at the first whole second at or after the deadline, counted from a truncated clock', () => {
    // written at .900, deadline 2.1 s later (3.000): a clock truncated to 1 s deletes at floor(now)+ttl = 3.000
    expect(ttlSeconds(3_000, 900)).toBe(3);
    expect(ttlSeconds(1_000, 999)).toBe(1);
  });

  it('ttlToBoundaryMs ends exactly at the next unit boundary for a backend that truncates the deadline', () => {
    expect(ttlToBoundaryMs(2_500, 800, 1000)).toBe(2_200); // 800 + 2200 = 3000
    expect(ttlToBoundaryMs(1_000, 999, 1000)).toBe(1);
    expect(ttlToBoundaryMs(500, 900, 1000)).toBe(100);
  });

  it('epochSecondsAtOrAfter rounds up to whole seconds', () => {
    expect(epochSecondsAtOrAfter(1_000)).toBe(1);
    expect(epochSecondsAtOrAfter(1_001)).toBe(2);
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and resolves in item order', async () => {
    let inFlight = 0;
    let most = 0;
    const result = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });
    expect(result).toEqual([50, 10, 30, 20, 40]);
    expect(most).toBe(2);
  });

  it('starts nothing after a failure and rejects with the first error once in-flight calls settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const error = await mapLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await new Promise((resolve) => setTimeout(resolve, n === 1 ? 1 : 20));
      settled++;
      if (n === 1) throw new Error('first');
      return n;
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('first');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(2);
  });

  it('resolves an empty list', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('option checks', () => {
  it('integerOption takes the fallback, accepts bounded integers and names the option when it refuses', () => {
    expect(integerOption('redis', 'operationTimeoutMs', undefined, 2000)).toBe(2000);
    expect(integerOption('redis', 'operationTimeoutMs', 50, 2000)).toBe(50);
    expect(() => integerOption('redis', 'operationTimeoutMs', 0, 2000)).toThrow(
      /operationTimeoutMs must be an integer at least 1/,
    );
    expect(() => integerOption('redis', 'virtualNodes', 1.5, 160, { min: 1, max: 10_000 })).toThrow(/from 1 to 10000/);
    expect(() => integerOption('redis', 'x', '3', 1)).toThrow(ConfigurationError);
  });

  it('stringOption and storeName refuse non-strings and, unless allowed, empty strings', () => {
    expect(stringOption('redis', 'keyPrefix', undefined, 'sk:')).toBe('sk:');
    expect(stringOption('redis', 'keyPrefix', '', 'sk:', { allowEmpty: true })).toBe('');
    expect(() => stringOption('redis', 'keyPrefix', '', 'sk:')).toThrow(/keyPrefix must be a non-empty string/);
    expect(storeName(undefined, 'redis')).toBe('redis');
    expect(storeName('sessions-eu', 'redis')).toBe('sessions-eu');
    expect(() => storeName(7, 'redis')).toThrow(/name must be a non-empty string/);
  });
});

describe('refuseRenamedOptions', () => {
  it("names the new option when an old name is still used, and accepts options that don't use one", () => {
    const renamed = [['prefix', 'keyPrefix']] as const;
    expect(() => refuseRenamedOptions('memcached', { prefix: 'app:' }, renamed)).toThrow(
      /the prefix option is now called keyPrefix/,
    );
    expect(() => refuseRenamedOptions('memcached', { keyPrefix: 'app:' }, renamed)).not.toThrow();
  });
});

describe('connectionErrorCode', () => {
  it('finds a socket error code in the error, its cause chain or nested errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(connectionErrorCode(refused)).toBe('ECONNREFUSED');
    expect(connectionErrorCode(new Error('wrapped', { cause: refused }))).toBe('ECONNREFUSED');
    expect(connectionErrorCode(new AggregateError([new Error('a'), refused]))).toBe('ECONNREFUSED');
    // cassandra-driver's NoHostAvailableError keeps per-host errors in an object keyed by address
    expect(
      connectionErrorCode(
        Object.assign(new Error('none'), { innerErrors: undefined, errors: { '127.0.0.1:9042': refused } }),
      ),
    ).toBe('ECONNREFUSED');
  });

  it('is undefined for other failures, including cycles', () => {
    const looping: Error & { cause?: unknown } = new Error('loop');
    looping.cause = looping;
    expect(connectionErrorCode(looping)).toBeUndefined();
    expect(connectionErrorCode(Object.assign(new Error('NOSCRIPT'), { code: 'NOSCRIPT' }))).toBeUndefined();
    expect(connectionErrorCode('ECONNREFUSED')).toBeUndefined();
  });
});
