import { ConfigurationError } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { describeStore, parseStoreUrl, StoreUrlError, storeServer } from '../src/index.js';

describe('parseStoreUrl', () => {
  it('defaults to the embedded memory store', () => {
    for (const value of [undefined, '', '  ', 'memory', 'memory:', 'memory://']) {
      expect(parseStoreUrl(value)).toEqual({ kind: 'memory' });
    }
  });

  it('parses redis:// with credentials, database and TLS', () => {
    expect(parseStoreUrl('redis://127.0.0.1:16379')).toEqual({
      kind: 'redis',
      host: '127.0.0.1',
      port: 16379,
      db: 0,
      tls: false,
    });
    expect(parseStoreUrl('redis://cache.internal')).toMatchObject({ host: 'cache.internal', port: 6379 });
    expect(parseStoreUrl('rediss://app:p%40ss%3Aword@redis.example.com:6380/2')).toEqual({
      kind: 'redis',
      host: 'redis.example.com',
      port: 6380,
      db: 2,
      username: 'app',
      password: 'p@ss:word',
      tls: true,
    });
    expect(parseStoreUrl('redis://:secret@[::1]:6379')).toMatchObject({ host: '::1', password: 'secret' });
    expect(parseStoreUrl('redis://:secret@[::1]:6379')).not.toHaveProperty('username');
  });

  it('parses server lists for redis+cluster (and its redis-cluster alias), memcached and hazelcast', () => {
    for (const scheme of ['redis+cluster', 'redis-cluster', 'REDIS+CLUSTER']) {
      expect(parseStoreUrl(`${scheme}://127.0.0.1:17001,127.0.0.1:17002`)).toEqual({
        kind: 'redis-cluster',
        nodes: [
          { host: '127.0.0.1', port: 17001 },
          { host: '127.0.0.1', port: 17002 },
        ],
      });
    }
    expect(parseStoreUrl('redis+cluster://c1')).toEqual({ kind: 'redis-cluster', nodes: [{ host: 'c1', port: 6379 }] });
    expect(parseStoreUrl('memcached://a:21211, b')).toEqual({
      kind: 'memcached',
      servers: [
        { host: 'a', port: 21211 },
        { host: 'b', port: 11211 },
      ],
    });
    expect(parseStoreUrl('hazelcast://127.0.0.1:15701,127.0.0.1:15702/sessionkit')).toEqual({
      kind: 'hazelcast',
      members: [
        { host: '127.0.0.1', port: 15701 },
        { host: '127.0.0.1', port: 15702 },
      ],
      clusterName: 'sessionkit',
    });
    expect(parseStoreUrl('hazelcast://h1')).toEqual({
      kind: 'hazelcast',
      members: [{ host: 'h1', port: 5701 }],
      clusterName: undefined,
    });
  });

  it('parses redis+sentinel:// with sentinels, master name, database and credentials', () => {
    expect(parseStoreUrl('redis+sentinel://127.0.0.1:26380,127.0.0.1:26381,127.0.0.1:26382/sessionkit')).toEqual({
      kind: 'redis-sentinel',
      sentinels: [
        { host: '127.0.0.1', port: 26380 },
        { host: '127.0.0.1', port: 26381 },
        { host: '127.0.0.1', port: 26382 },
      ],
      masterName: 'sessionkit',
      db: 0,
      tls: false,
    });
    expect(parseStoreUrl('redis+sentinel://s1,s2:26400/my-master.1/3')).toEqual({
      kind: 'redis-sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26400 },
      ],
      masterName: 'my-master.1',
      db: 3,
      tls: false,
    });
    expect(parseStoreUrl('rediss+sentinel://app:p%40ss@s1/mymaster/')).toEqual({
      kind: 'redis-sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      masterName: 'mymaster',
      db: 0,
      tls: true,
      username: 'app',
      password: 'p@ss',
    });
  });

  it('parses cassandra:// with keyspace, data center and schema option', () => {
    expect(parseStoreUrl('cassandra://127.0.0.1:19042/sessionkit')).toEqual({
      kind: 'cassandra',
      contactPoints: [{ host: '127.0.0.1', port: 19042 }],
      keyspace: 'sessionkit',
      localDataCenter: 'datacenter1',
      createSchema: true,
    });
    expect(parseStoreUrl('cassandra://c1,c2:9043/shop?dc=eu_west&schema=none')).toMatchObject({
      contactPoints: [
        { host: 'c1', port: 9042 },
        { host: 'c2', port: 9043 },
      ],
      localDataCenter: 'eu_west',
      createSchema: false,
    });
  });

  it('parses dynamodb:// with a local endpoint or the AWS default', () => {
    expect(parseStoreUrl('dynamodb://127.0.0.1:14567/sessions')).toEqual({
      kind: 'dynamodb',
      endpoint: 'http://127.0.0.1:14567',
      table: 'sessions',
      region: undefined,
      createTable: true,
    });
    expect(parseStoreUrl('dynamodb:///prod_sessions?region=eu-west-1')).toEqual({
      kind: 'dynamodb',
      endpoint: undefined,
      table: 'prod_sessions',
      region: 'eu-west-1',
      createTable: false,
    });
    expect(parseStoreUrl('dynamodb://ddb.local:443/t_1?tls=true&create=false')).toMatchObject({
      endpoint: 'https://ddb.local:443',
      createTable: false,
    });
  });

  it('takes the adapter key prefix from ?prefix= on every server form', () => {
    expect(parseStoreUrl('redis://r:1/2?prefix=shop%3A')).toMatchObject({ kind: 'redis', db: 2, keyPrefix: 'shop:' });
    expect(parseStoreUrl('redis+cluster://a:1?prefix=x')).toMatchObject({ keyPrefix: 'x' });
    expect(parseStoreUrl('redis+sentinel://s/m?prefix=x')).toMatchObject({ keyPrefix: 'x' });
    expect(parseStoreUrl('memcached://a?prefix=')).toMatchObject({ keyPrefix: '' });
    expect(parseStoreUrl('cassandra://c/ks?dc=dc1&prefix=x')).toMatchObject({ localDataCenter: 'dc1', keyPrefix: 'x' });
    expect(parseStoreUrl('dynamodb://d:1/table?prefix=x')).toMatchObject({ keyPrefix: 'x' });
    expect(parseStoreUrl('hazelcast://h?prefix=x')).toMatchObject({ keyPrefix: 'x' });
    expect(parseStoreUrl('tiered:redis://r?prefix=c|cassandra://c/ks?prefix=d')).toMatchObject({
      cache: { keyPrefix: 'c' },
      durable: { keyPrefix: 'd' },
    });
    expect(describeStore(parseStoreUrl('redis://r:1?prefix=shop%3A'))).toBe('redis://r:1?prefix=shop%3A');
  });

  it('parses tiered:<cache>|<durable>', () => {
    expect(parseStoreUrl('tiered:redis://127.0.0.1:16379|cassandra://127.0.0.1:19042/sessionkit')).toEqual({
      kind: 'tiered',
      cache: { kind: 'redis', host: '127.0.0.1', port: 16379, db: 0, tls: false },
      durable: {
        kind: 'cassandra',
        contactPoints: [{ host: '127.0.0.1', port: 19042 }],
        keyspace: 'sessionkit',
        localDataCenter: 'datacenter1',
        createSchema: true,
      },
    });
  });

  it.each([
    ['mysql://localhost/sessions', /unknown scheme "mysql:\/\/"/],
    ['redis', /cannot parse/],
    ['redis://', /needs host:port/],
    ['redis://a:1,b:2', /redis\+cluster/],
    ['redis+cluster://a:1/0', /takes no path/],
    ['redis+sentinel://s1:26379', /needs the master name/],
    ['redis+sentinel://s1:26379/', /needs the master name/],
    ['redis+sentinel://s1:26379/master/0/extra', /needs the master name/],
    ['redis+sentinel://s1:26379/bad name', /needs the master name/],
    ['redis+sentinel://s1:26379/master/x', /database must be a number/],
    ['redis+sentinel://s1:99999/master', /invalid port/],
    ['redis+sentinel:///master', /needs host:port/],
    ['redis://host:99999', /invalid port/],
    ['redis://host:6379/abc', /database must be a number/],
    ['memcached://a:1/x', /takes no path/],
    ['memcached://a:1,,b:2', /needs host:port/],
    ['cassandra://127.0.0.1:9042', /needs a keyspace/],
    ['cassandra://127.0.0.1/bad-name', /needs a keyspace/],
    ['cassandra://h/ks?schema=maybe', /schema=/],
    ['dynamodb://127.0.0.1/sessions', /explicit port/],
    ['dynamodb://127.0.0.1:8000', /table name/],
    ['tiered:redis://a:1', /<cache-url>\|<durable-url>/],
    ['tiered:memory|redis://a:1', /cache tier must be a shared server store/],
    ['tiered:redis://a:1|', /durable tier/],
    ['tiered:redis://a:1|tiered:redis://b:1|redis://c:1', /cannot parse|tiers do not nest|unknown scheme/],
    ['redis://bad host:1', /cannot parse|invalid host/],
  ])('rejects %s', (value, message) => {
    expect(() => parseStoreUrl(value)).toThrow(StoreUrlError);
    expect(() => parseStoreUrl(value)).toThrow(message);
  });

  it('throws a typed configuration error (core CONFIGURATION code)', () => {
    let caught: unknown;
    try {
      parseStoreUrl('mysql://localhost/sessions');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect(caught).toMatchObject({ code: 'CONFIGURATION', name: 'StoreUrlError' });
  });

  it('never repeats a password in an error message', () => {
    expect(() => parseStoreUrl('redis://user:hunter2@host:6379#x')).toThrow(/user:\*\*\*@/);
    for (const value of [
      'redis://user:hunter2@host:6379#x',
      'redis://user:hunter2@host:1:2',
      'redis://user:hunter2@h:1/x',
      'redis+sentinel://user:hunter2@h:1',
      'rediss+sentinel://user:hunter2@h:1/m/x',
    ]) {
      expect(() => parseStoreUrl(value)).toThrow(StoreUrlError);
      expect(() => parseStoreUrl(value)).not.toThrow(/hunter2/);
    }
  });
});

describe('describeStore', () => {
  it('describes without credentials', () => {
    expect(describeStore(parseStoreUrl('rediss://u:hunter2@r:6380/1'))).toBe('rediss://r:6380/1');
    expect(describeStore(parseStoreUrl('memory'))).toMatch(/^memory/);
    expect(describeStore(parseStoreUrl('tiered:memcached://a:1,b:2|dynamodb://127.0.0.1:14567/sess'))).toBe(
      'tiered:memcached://a:1,b:2|dynamodb://127.0.0.1:14567/sess',
    );
    expect(describeStore(parseStoreUrl('hazelcast://[::1]:5701/dev'))).toBe('hazelcast://[::1]:5701/dev');
    expect(describeStore(parseStoreUrl('redis-cluster://a:1,b:2'))).toBe('redis+cluster://a:1,b:2');
    expect(describeStore(parseStoreUrl('rediss+sentinel://u:hunter2@s1,s2:2/m/4'))).toBe(
      'rediss+sentinel://s1:26379,s2:2/m/4',
    );
    expect(describeStore(parseStoreUrl('redis+sentinel://s1/m'))).toBe('redis+sentinel://s1:26379/m');
  });
});

describe('storeServer', () => {
  it('names the server (the first of a list) for telemetry, nothing for memory and tiered', () => {
    expect(storeServer(parseStoreUrl('redis://u:p@r:6380/1'))).toEqual({ address: 'r', port: 6380 });
    expect(storeServer(parseStoreUrl('memcached://a:1,b:2'))).toEqual({ address: 'a', port: 1 });
    expect(storeServer(parseStoreUrl('redis+cluster://a:1,b:2'))).toEqual({ address: 'a', port: 1 });
    expect(storeServer(parseStoreUrl('redis+sentinel://s1:26380,s2/m'))).toEqual({ address: 's1', port: 26380 });
    expect(storeServer(parseStoreUrl('cassandra://c1,c2/ks'))).toEqual({ address: 'c1', port: 9042 });
    expect(storeServer(parseStoreUrl('dynamodb://127.0.0.1:14567/sess'))).toEqual({
      address: '127.0.0.1',
      port: 14567,
    });
    expect(storeServer(parseStoreUrl('dynamodb:///sess?region=eu-west-1'))).toEqual({});
    expect(storeServer(parseStoreUrl('hazelcast://[::1]:5701/dev'))).toEqual({ address: '::1', port: 5701 });
    expect(storeServer(parseStoreUrl('memory'))).toEqual({});
    expect(storeServer(parseStoreUrl('tiered:memcached://a:1|redis://r:2'))).toEqual({});
  });
});
