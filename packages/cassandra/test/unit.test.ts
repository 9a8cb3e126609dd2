/**
 * Pure logic, no server: option validation, TTL arithmetic, schema text, driver-error mapping.
 */

import { ConfigurationError, StoreTimeoutError, StoreUnavailableError } from '@sessionkit/core';
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { CassandraSessionStore, schemaCql } from '../src/index.js';
import {
  DEFAULT_OPERATION_TIMEOUT_MS,
  isAmbiguousLwtError,
  isCasWriteTimeout,
  toCassandraError,
  usingTtl,
} from '../src/internal.js';
import { casWriteTimeout } from './helpers.js';

const { errors, types } = cassandra;
const node = { contactPoints: ['127.0.0.1:1'], localDataCenter: 'dc1' };

describe('options', () => {
  it.each([
    ['no client and no contact points', {}],
    ['contact points without a data center', { contactPoints: ['127.0.0.1'] }],
    ['a keyspace that is not a CQL identifier', { ...node, keyspace: 'x; DROP TABLE y' }],
    ['the same name for both tables', { ...node, table: 'a', userTable: 'a' }],
    ['a zero deadline', { ...node, operationTimeoutMs: 0 }],
    ['a non-serial serial consistency', { ...node, consistency: { serial: types.consistencies.quorum } }],
    ['a serial commit consistency', { ...node, consistency: { write: types.consistencies.localSerial } }],
    ['an unknown consistency value', { ...node, consistency: { strongRead: 99 } }],
    ['a negative TTL padding', { ...node, ttlPaddingSeconds: -1 }],
    ['a non-integer maxCasAttempts', { ...node, maxCasAttempts: 1.5 }],
    ['an empty name', { ...node, name: '' }],
    ['the renamed prefix option', { ...node, prefix: 'app:' }],
    ['the renamed maxAttempts option', { ...node, maxAttempts: 3 }],
  ])('rejects %s with ConfigurationError', (_what, options) => {
    expect(() => new CassandraSessionStore(options as never)).toThrow(ConfigurationError);
  });

  it('declares 1 s TTL granularity, strong reads, the user index and scan; defaults to a 5 s deadline', async () => {
    const store = new CassandraSessionStore(node);
    expect(store.capabilities).toEqual({
      userIndex: true,
      ttlGranularityMs: 1000,
      maxPayloadBytes: 1024 * 1024,
      strongReads: true,
      scan: true,
    });
    expect(DEFAULT_OPERATION_TIMEOUT_MS).toBe(5000);
    expect(store.tables).toEqual({ keyspace: 'sessionkit', table: 'sessions', userTable: 'sessions_by_user' });
    await store.close();
  });
});

describe('usingTtl', () => {
  // Cassandra drops a cell at (floor(writeTimeSeconds) + ttl) whole seconds.
  const deletionMs = (now: number, ttl: number) => (Math.floor(now / 1000) + ttl) * 1000;

  it('never lets Cassandra drop a row before expiresAt, and keeps it less than a second after', () => {
    const bad: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const now = 1_700_000_000_000 + Math.floor(Math.random() * 1_000_000);
      const expiresAt = now + 1 + Math.floor(Math.random() * 7_200_000);
      const overshoot = deletionMs(now, usingTtl(expiresAt, now, 0)) - expiresAt;
      if (overshoot < 0 || overshoot >= 1000) bad.push(`now=${now} expiresAt=${expiresAt} overshoot=${overshoot}`);
    }
    expect(bad).toEqual([]);
  });

  it('is at least 1 (TTL 0 would mean "never expires"), and adds the padding', () => {
    expect(usingTtl(1000, 5000, 0)).toBe(1);
    expect(usingTtl(10_900, 10_100, 0)).toBe(1);
    // Written at .900 with 1.5 s to go: plain ceil(1.5) = 2 s would drop the row at 12.000, 400 ms early.
    expect(usingTtl(12_400, 10_900, 0)).toBe(3);
    expect(usingTtl(12_400, 10_900, 2)).toBe(5);
  });
});

describe('schemaCql', () => {
  it('creates keyspace and both tables IF NOT EXISTS with TWCS and gc_grace_seconds', () => {
    const cql = schemaCql({
      keyspace: 'ks',
      replication: { class: 'NetworkTopologyStrategy', dc1: 3, dc2: 3 },
      gcGraceSeconds: 172_800,
    });
    expect(cql).toHaveLength(3);
    expect(cql[0]).toBe(
      "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3', 'dc2': '3'} AND durable_writes = true",
    );
    expect(cql[1]).toMatch(/^CREATE TABLE IF NOT EXISTS ks\.sessions \(\n\s+key text PRIMARY KEY,/);
    expect(cql[2]).toMatch(/PRIMARY KEY \(\(prefix, user_id\), session_key\)/);
    for (const table of cql.slice(1)) {
      expect(table).toContain("'class': 'TimeWindowCompactionStrategy'");
      expect(table).toContain('gc_grace_seconds = 172800');
    }
    expect(schemaCql({ userIndex: false })).toHaveLength(2);
  });

  it('refuses replication settings that would splice into the CQL', () => {
    expect(() => schemaCql({ replication: { class: 'NetworkTopologyStrategy', "dc1': 1}; --": 1 } })).toThrow(
      ConfigurationError,
    );
    expect(() => schemaCql({ replication: { class: 'SimpleStrategy', replication_factor: '1}' as never } })).toThrow(
      ConfigurationError,
    );
  });
});

describe('driver error mapping', () => {
  const map = (error: unknown) => toCassandraError('cassandra', 'get', error, 1234);

  it('NoHostAvailableError -> StoreUnavailableError, tagged, naming the socket error found in innerErrors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19042'), { code: 'ECONNREFUSED' });
    const driverError = new errors.NoHostAvailableError({ '127.0.0.1:19042': refused });
    const e = map(driverError);
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect(e).not.toBeInstanceOf(StoreTimeoutError);
    expect(e).toMatchObject({ store: 'cassandra', operation: 'get', retryable: true });
    expect(e.cause).toBe(driverError);
    expect(e.message).toContain('no Cassandra node available (ECONNREFUSED): 127.0.0.1:19042: connect ECONNREFUSED');
    // No host errors at all (every node already marked down): the driver's own message.
    expect(map(new errors.NoHostAvailableError({})).message).toMatch(/no Cassandra node available: /);
  });

  it('client-side OperationTimedOutError -> StoreTimeoutError with the deadline', () => {
    const e = map(new errors.OperationTimedOutError('timed out', '127.0.0.1:19042'));
    expect(e).toBeInstanceOf(StoreTimeoutError);
    expect((e as StoreTimeoutError).timeoutMs).toBe(1234);
  });

  it('Unavailable and server timeouts -> StoreUnavailableError; invalid/syntax -> ConfigurationError', () => {
    const codes = types.responseErrorCodes;
    expect(map(new errors.ResponseError(codes.unavailableException, 'x'))).toBeInstanceOf(StoreUnavailableError);
    expect(map(casWriteTimeout())).toBeInstanceOf(StoreUnavailableError);
    expect(map(new errors.ResponseError(codes.overloaded, 'x'))).toBeInstanceOf(StoreUnavailableError);
    expect(map(new errors.ResponseError(codes.invalid, 'unconfigured table'))).toBeInstanceOf(ConfigurationError);
    expect(map(new errors.ResponseError(codes.syntaxError, 'x'))).toBeInstanceOf(ConfigurationError);
  });

  it('tells ambiguous LWT failures from ones that guarantee nothing was written', () => {
    const codes = types.responseErrorCodes;
    expect(isAmbiguousLwtError(casWriteTimeout())).toBe(true);
    expect(isCasWriteTimeout(casWriteTimeout())).toBe(true);
    expect(isAmbiguousLwtError(new errors.OperationTimedOutError('t'))).toBe(true);
    expect(isAmbiguousLwtError(new errors.ResponseError(codes.unavailableException, 'x'))).toBe(false);
    expect(isAmbiguousLwtError(new errors.NoHostAvailableError({}))).toBe(false);
    expect(isAmbiguousLwtError(new Error('x'))).toBe(false);
  });
});
