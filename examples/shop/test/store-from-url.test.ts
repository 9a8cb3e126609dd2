import { describe, expect, it } from 'vitest';
import { describeStore, parseStoreUrl, StoreUrlError, storeServer } from '../src/store-from-url.js';

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

  it('parses server lists for redis-cluster, memcached and hazelcast', () => {
    expect(parseStoreUrl('redis-cluster://127.0.0.1:17001,127.0.0.1:17002')).toEqual({
      kind: 'redis-cluster',
      nodes: [
        { host: '127.0.0.1', port: 17001 },
        { host: '127.0.0.1', port: 17002 },
      ],
    });
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
    ['redis://a:1,b:2', /redis-cluster/],
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

  it('never repeats a password in an error message', () => {
    expect(() => parseStoreUrl('redis://user:hunter2@host:6379#x')).toThrow(/user:\*\*\*@/);
    for (const value of [
      'redis://user:hunter2@host:6379#x',
      'redis://user:hunter2@host:1:2',
      'redis://user:hunter2@h:1/x',
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
  });
});

describe('storeServer', () => {
  it('names the server (the first of a list) for telemetry, nothing for memory and tiered', () => {
    expect(storeServer(parseStoreUrl('redis://u:p@r:6380/1'))).toEqual({ address: 'r', port: 6380 });
    expect(storeServer(parseStoreUrl('memcached://a:1,b:2'))).toEqual({ address: 'a', port: 1 });
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
