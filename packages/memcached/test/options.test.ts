import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '@sessionkit/core';
import { MemcachedSessionStore } from '../src/index.js';
import { ITEM_OVERHEAD_BYTES, MAX_PREFIX_BYTES, parseServers, resolveOptions } from '../src/options.js';
import { MAX_USER_ID_BYTES, SESSION_HEADER_BYTES } from '../src/frame.js';

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
  test('a prefix that leaves no room for a 43-character key (250-byte keys) is refused at construction', () => {
    configError(() => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], prefix: 'x'.repeat(MAX_PREFIX_BYTES + 1) }), /prefix/);
    // Counted in bytes, not characters.
    configError(() => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], prefix: 'é'.repeat(MAX_PREFIX_BYTES / 2 + 1) }), /prefix/);
    configError(() => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], prefix: 'has space' }), /whitespace/);
    expect(() => new MemcachedSessionStore({ servers: ['127.0.0.1:1'], prefix: 'x'.repeat(MAX_PREFIX_BYTES) })).not.toThrow();
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
    configError(() => resolveOptions({ servers: 'a:1', onUserIndexFull: 'drop' as never }), /onUserIndexFull/);
  });

  test('capabilities: 1 s granularity, payload limit = item limit minus overheads, bounded index', () => {
    const store = new MemcachedSessionStore({ servers: ['127.0.0.1:1'], maxItemBytes: 2 * 1024 * 1024, maxSessionsPerUser: 10 });
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
