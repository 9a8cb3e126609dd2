import { ConfigurationError, MAX_USER_ID_BYTES } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { MemcachedSessionStore } from '../src/index.js';
import { ITEM_OVERHEAD_BYTES, MAX_PREFIX_BYTES, SESSION_HEADER_BYTES } from '../src/internal.js';
import { parseServers, resolveOptions } from '../src/options.js';

function configError(fn: () => unknown, pattern: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConfigurationError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('options', () => {
  test('a keyPrefix that leaves no room for a 43-character key (250-byte keys) is refused at construction', () => {
    configError(
      () => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], keyPrefix: 'x'.repeat(MAX_PREFIX_BYTES + 1) }),
      /keyPrefix/,
    );
    // Counted in bytes, not characters.
    configError(
      () => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], keyPrefix: 'é'.repeat(MAX_PREFIX_BYTES / 2 + 1) }),
      /keyPrefix/,
    );
    configError(() => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], keyPrefix: 'has space' }), /whitespace/);
    expect(
      () => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], keyPrefix: 'x'.repeat(MAX_PREFIX_BYTES) }),
    ).not.toThrow();
    expect(MAX_PREFIX_BYTES + 43 + '~user~'.length).toBeLessThanOrEqual(250);
  });

  test('servers: required, host:port, unique; not together with client', () => {
    configError(() => new MemcachedSessionStore({}), /client.*servers|servers/);
    configError(() => parseServers([], 'memcached'), /at least one/);
    configError(() => parseServers('localhost', 'memcached'), /host:port/);
    configError(() => parseServers(['a:1', 'a:1'], 'memcached'), /unique/);
    configError(() => parseServers(['a:70000'], 'memcached'), /host:port/);
    expect(parseServers('a:1, b:2', 'memcached')).toEqual(['a:1', 'b:2']);
  });

  test('numeric options are validated', () => {
    configError(() => resolveOptions({ servers: 'a:1', operationTimeoutMs: 0 }), /operationTimeoutMs/);
    configError(() => resolveOptions({ servers: 'a:1', maxSessionsPerUser: 1.5 }), /maxSessionsPerUser/);
    configError(() => resolveOptions({ servers: 'a:1', maxItemBytes: 100 }), /maxItemBytes/);
    configError(() => resolveOptions({ servers: 'a:1', casCacheMs: -1 }), /casCacheMs/);
    configError(() => resolveOptions({ servers: 'a:1', maxCasAttempts: 0 }), /maxCasAttempts/);
    configError(() => resolveOptions({ servers: 'a:1', userIndexGraceMs: -1 }), /userIndexGraceMs/);
    configError(() => resolveOptions({ servers: 'a:1', userIndexGraceMs: 1.5 }), /userIndexGraceMs/);
    configError(() => resolveOptions({ servers: 'a:1', keyPrefix: 5 as never }), /keyPrefix/);
    configError(() => resolveOptions({ servers: 'a:1', name: '' }), /name/);
    expect(resolveOptions({ servers: 'a:1' })).toMatchObject({
      keyPrefix: 'sk:',
      operationTimeoutMs: 2000,
      maxSessionsPerUser: 64,
      userIndexGraceMs: 3_600_000,
      maxCasAttempts: 16,
      name: 'memcached',
    });
  });

  test('maxPayloadBytes: at most what fits in maxItemBytes, lower on request', () => {
    const fits = 1_048_576 - ITEM_OVERHEAD_BYTES - SESSION_HEADER_BYTES - MAX_USER_ID_BYTES;
    expect(resolveOptions({ servers: 'a:1' }).maxPayloadBytes).toBe(fits);
    expect(
      new MemcachedSessionStore({ servers: ['127.0.0.1:1'], maxPayloadBytes: 4096 }).capabilities.maxPayloadBytes,
    ).toBe(4096);
    configError(() => resolveOptions({ servers: 'a:1', maxPayloadBytes: fits + 1 }), /maxPayloadBytes/);
  });

  test('capabilities: 1 s granularity, payload limit = item limit minus overheads, bounded index', () => {
    const store = new MemcachedSessionStore({
      servers: ['127.0.0.1:1'],
      maxItemBytes: 2 * 1024 * 1024,
      maxSessionsPerUser: 10,
    });
    expect(store.capabilities).toEqual({
      userIndex: true,
      ttlGranularityMs: 1000,
      maxPayloadBytes: 2 * 1024 * 1024 - ITEM_OVERHEAD_BYTES - SESSION_HEADER_BYTES - MAX_USER_ID_BYTES,
      strongReads: false,
      maxSessionsPerUser: 10,
    });
    expect(new MemcachedSessionStore({ servers: ['127.0.0.1:1'] }).capabilities.maxSessionsPerUser).toBe(64);
  });
});
