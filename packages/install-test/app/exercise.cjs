'use strict';
/**
 * What the scratch app does with every installed SessionKit package, the same way whether the packages were
 * loaded with `import` (esm.mjs) or `require()` (cjs.cjs): each entry file loads the packages and the drivers
 * with its own module system and hands them to `exercise`.
 *
 * Every adapter gets the app's own driver client as `client` (proving the adapter accepts the copy of its peer
 * dependency that the app installed), then `connect()`, writes, reads and deletes one record, and `close()`s.
 * Settings (where the test servers are, the names this app may use there) come from settings.json, written
 * by the install test.
 */
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { join } = require('node:path');
const { promisify } = require('node:util');

const settings = JSON.parse(readFileSync(join(__dirname, 'settings.json'), 'utf8'));

/** One record through `store`: create, read back (strong), delete, and the miss after it. */
async function roundTrip(store, core) {
  const key = core.hashSessionId(core.generateSessionId());
  const data = new Uint8Array(randomBytes(64));
  const userId = `install-test-user-${randomBytes(4).toString('hex')}`;
  assert.equal(await store.create(key, { data, version: 1, expiresAt: Date.now() + 60_000, userId }), true);
  const read = await store.get(key, { consistency: 'strong' });
  assert.ok(read, `${store.name}: the record just created is missing`);
  assert.deepEqual(Buffer.from(read.data), Buffer.from(data));
  assert.equal(read.version, 1);
  assert.equal(await store.delete(key), true);
  assert.equal(await store.get(key, { consistency: 'strong' }), null);
}

/** An adapter's whole life on an app-provided client: connect, round trip, close. */
async function adapterLife(store, core) {
  await store.connect();
  try {
    await roundTrip(store, core);
  } finally {
    await store.close();
  }
}

/** The key prefix of this run (the servers are shared with other suites). */
const keyPrefix = `${settings.keyPrefix}${process.pid}:`;

/** A store URL for the test Redis (settings.redis: host, port, db, credentials) with `prefix` as `?prefix=`. */
function redisUrl(prefix) {
  const { host, port, db, username, password } = settings.redis;
  const auth = password ? `${encodeURIComponent(username ?? '')}:${encodeURIComponent(password)}@` : '';
  return `redis://${auth}${host}:${port}/${db}?prefix=${encodeURIComponent(prefix)}`;
}

/** Runs the installed `sessionkit` binary (node_modules/.bin, as npm linked it); resolves its exit code and output. */
async function sessionkit(args) {
  const bin = join(__dirname, 'node_modules', '.bin', 'sessionkit');
  try {
    const { stdout } = await promisify(execFile)(bin, args, { encoding: 'utf8', timeout: 60_000 });
    return { code: 0, stdout };
  } catch (error) {
    if (typeof error.code !== 'number') throw error;
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

/** One check per package: name -> async ({ sessionkit, drivers }) => void. */
const checks = {
  async '@sessionkit/core'({ sessionkit: { core } }) {
    await roundTrip(new core.MemoryStore(), core);
  },

  async '@sessionkit/redis'({ sessionkit: { core, redis }, drivers }) {
    const client = new drivers.Redis(settings.redis);
    try {
      await adapterLife(new redis.RedisSessionStore({ client, keyPrefix }), core);
    } finally {
      client.disconnect();
    }
  },

  async '@sessionkit/memcached'({ sessionkit: { core, memcached }, drivers }) {
    const client = drivers.Memjs.create(settings.memcached.servers.join(','));
    try {
      await adapterLife(new memcached.MemcachedSessionStore({ client, keyPrefix }), core);
    } finally {
      client.close();
    }
  },

  async '@sessionkit/cassandra'({ sessionkit: { core, cassandra }, drivers }) {
    const { contactPoints, localDataCenter, port, keyspace } = settings.cassandra;
    const client = new drivers.Cassandra({ contactPoints, localDataCenter, protocolOptions: { port } });
    try {
      await cassandra.createSchema(client, {
        keyspace,
        replication: { class: 'NetworkTopologyStrategy', [localDataCenter]: 1 },
      });
      await adapterLife(new cassandra.CassandraSessionStore({ client, keyspace, keyPrefix }), core);
    } finally {
      await client.shutdown();
    }
  },

  async '@sessionkit/dynamodb'({ sessionkit: { core, dynamodb }, drivers }) {
    const { endpoint, region, credentials, tableName } = settings.dynamodb;
    const client = new drivers.DynamoDBClient({ endpoint, region, ...(credentials ? { credentials } : {}) });
    try {
      await dynamodb.createSessionTable(client, { tableName });
      await adapterLife(new dynamodb.DynamoDBSessionStore({ client, tableName, keyPrefix }), core);
    } finally {
      client.destroy();
    }
  },

  async '@sessionkit/hazelcast'({ sessionkit: { core, hazelcast }, drivers }) {
    const { members, clusterName, mapName } = settings.hazelcast;
    const client = await drivers.HazelcastClient.newHazelcastClient({
      clusterName,
      network: { clusterMembers: members },
      properties: { 'hazelcast.logging.level': 'ERROR' },
    });
    try {
      await adapterLife(new hazelcast.HazelcastSessionStore({ client, mapName, keyPrefix }), core);
    } finally {
      await client.shutdown();
    }
  },

  async '@sessionkit/tiered'({ sessionkit: { core, redis, tiered }, drivers }) {
    const client = new drivers.Redis(settings.redis);
    try {
      const durable = new redis.RedisSessionStore({ client, keyPrefix: `${keyPrefix}tiered:` });
      const store = new tiered.TieredStore({ cache: new core.MemoryStore(), durable });
      try {
        await roundTrip(store, core);
      } finally {
        await store.close();
      }
    } finally {
      client.disconnect();
    }
  },

  async '@sessionkit/http'({ sessionkit: { core, http } }) {
    const manager = new core.SessionManager({ ...core.expiryPresets.nistAal2, store: new core.MemoryStore() });
    const handler = http.withSession(
      async (req, res, context) => {
        const session = await context.session();
        if (req.url === '/set') session.set('visits', 42);
        res.end(String(session.get('visits')));
      },
      { manager, secrets: [randomBytes(32).toString('base64url')], cookie: { secure: false } },
    );
    const server = createServer(handler);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `http://127.0.0.1:${server.address().port}`;
      const first = await fetch(`${origin}/set`);
      assert.equal(await first.text(), '42');
      const cookie = first.headers.get('set-cookie');
      assert.ok(cookie, 'the first response set no session cookie');
      const second = await fetch(`${origin}/get`, { headers: { cookie: cookie.split(';')[0] } });
      assert.equal(await second.text(), '42');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  },

  async '@sessionkit/opentelemetry'({ sessionkit: { core, opentelemetry } }) {
    // No SDK installed in the app: the API's no-op providers. The wrapper must still be a working store with the
    // wrapped store's name, and the manager's instrumentation must attach and detach.
    const telemetry = new opentelemetry.SessionTelemetry();
    const inner = new core.MemoryStore();
    const store = telemetry.instrumentStore(inner);
    assert.equal(store.name, inner.name);
    await roundTrip(store, core);
    const manager = new core.SessionManager({
      ...core.expiryPresets.nistAal2,
      store,
      tracer: telemetry.managerTracer(),
    });
    const stop = telemetry.observeManager(manager);
    const session = manager.create();
    session.set('visits', 1);
    await manager.commit(session);
    assert.equal((await manager.load(session.id))?.get('visits'), 1);
    stop();
    assert.equal(typeof opentelemetry.METRICS, 'object');
  },

  async '@sessionkit/store-url'({ sessionkit: { core, storeUrl } }) {
    // Only @sessionkit/redis among the adapters is needed for this URL; it is imported when the URL is opened.
    const url = redisUrl(`${keyPrefix}store-url:`);
    const spec = storeUrl.parseStoreUrl(url);
    assert.equal(spec.kind, 'redis');
    assert.equal(spec.keyPrefix, `${keyPrefix}store-url:`);
    if (settings.redis.password) assert.ok(!storeUrl.describeStore(spec).includes(settings.redis.password));
    const store = await storeUrl.openStore(url, { provision: false });
    try {
      await roundTrip(store, core);
    } finally {
      await store.close();
    }
    assert.throws(() => storeUrl.parseStoreUrl('mysql://localhost/sessions'), storeUrl.StoreUrlError);
  },

  async '@sessionkit/cli'({ sessionkit: { core, cli, redis }, drivers }) {
    assert.equal(typeof cli.createProgram, 'function');
    const version = await sessionkit(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
    // Two sessions of one user, written by a SessionManager on the app's own client, listed and revoked through
    // the installed binary.
    const prefix = `${keyPrefix}cli:`;
    const user = `install-test-cli-${randomBytes(4).toString('hex')}`;
    const client = new drivers.Redis(settings.redis);
    try {
      const manager = new core.SessionManager({
        ...core.expiryPresets.nistAal2,
        store: new redis.RedisSessionStore({ client, keyPrefix: prefix }),
      });
      for (const n of [1, 2]) {
        const session = manager.create();
        session.set('n', n);
        await manager.regenerate(session, { userId: user });
      }
      const listed = await sessionkit(['sessions', 'list', redisUrl(prefix), '--user', user, '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(JSON.parse(listed.stdout).count, 2);
      const revoked = await sessionkit(['sessions', 'revoke', redisUrl(prefix), '--user', user, '--json']);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(JSON.parse(revoked.stdout).revoked, 2);
      assert.deepEqual(await manager.listForUser(user), []);
    } finally {
      client.disconnect();
    }
  },

  async '@sessionkit/conformance'({ sessionkit: { conformance } }) {
    // Registering the suite needs a vitest run (conformance.test.ts does that); here: it loads and is complete.
    assert.equal(typeof conformance.describeSessionStore, 'function');
    assert.ok(conformance.storeFeatures.length > 0);
  },
};

/**
 * Runs every check in turn and prints one JSON line, `{"passed":[names]}`; the first failure is thrown (the
 * entry file then exits non-zero with its stack).
 */
async function exercise(loaded) {
  const passed = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check(loaded);
    } catch (error) {
      throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    passed.push(name);
  }
  console.log(JSON.stringify({ passed }));
}

module.exports = { exercise };
