/**
 * The scratch app's TypeScript: the public API of every SessionKit package, wired as an app would wire it, with
 * the app's own driver clients. Only type-checked (`tsc --noEmit`, `module: nodenext`); esm.mjs and cjs.cjs
 * run the same wiring.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { createProgram } from '@sessionkit/cli';
import { describeSessionStore } from '@sessionkit/conformance';
import {
  expiryPresets,
  generateSessionId,
  hashSessionId,
  MemoryStore,
  SessionManager,
  type SessionStore,
  type StoredSession,
} from '@sessionkit/core';
import { createSessionTable, DynamoDBSessionStore } from '@sessionkit/dynamodb';
import { HazelcastSessionStore } from '@sessionkit/hazelcast';
import { getSession, withSession } from '@sessionkit/http';
import { MemcachedSessionStore } from '@sessionkit/memcached';
import { SessionTelemetry } from '@sessionkit/opentelemetry';
import { RedisSessionStore } from '@sessionkit/redis';
import { openStore, parseStoreUrl, type StoreSpec, StoreUrlError } from '@sessionkit/store-url';
import { TieredStore } from '@sessionkit/tiered';
import cassandra from 'cassandra-driver';
import { Client as HazelcastClient } from 'hazelcast-client';
import { Redis } from 'ioredis';
import memjs from 'memjs';

/** Typed session attributes (a type alias: no index signature, so an unknown attribute name does not compile). */
type AppSession = { visits: number };

/** Every adapter on the app's own client; each is a `SessionStore` with `connect()`. */
export async function openStores(): Promise<SessionStore[]> {
  const keyPrefix = 'app:';
  const redis = new RedisSessionStore({ client: new Redis(), keyPrefix });
  const memcached = new MemcachedSessionStore({ client: memjs.Client.create('127.0.0.1:11211'), keyPrefix });
  const cassandraClient = new cassandra.Client({ contactPoints: ['127.0.0.1'], localDataCenter: 'datacenter1' });
  await createSchema(cassandraClient, { keyspace: 'app' });
  const cassandraStore = new CassandraSessionStore({ client: cassandraClient, keyspace: 'app', keyPrefix });
  const dynamoClient = new DynamoDBClient({ region: 'us-east-1' });
  await createSessionTable(dynamoClient, { tableName: 'sessions' });
  const dynamodb = new DynamoDBSessionStore({ client: dynamoClient, tableName: 'sessions', keyPrefix });
  const hazelcast = new HazelcastSessionStore({ client: await HazelcastClient.newHazelcastClient(), keyPrefix });
  const stores = [redis, memcached, cassandraStore, dynamodb, hazelcast];
  const connected: Promise<void>[] = stores.map((store) => store.connect());
  await Promise.all(connected);
  const tiered: SessionStore = new TieredStore({ cache: new MemoryStore(), durable: redis });
  return [...stores, tiered];
}

/** The `client` options are typed: a wrong value does not compile. */
export function clientsAreTyped(): void {
  // @ts-expect-error: not an ioredis client
  new RedisSessionStore({ client: 'redis://127.0.0.1' });
  // @ts-expect-error: not a memjs client
  new MemcachedSessionStore({ client: '127.0.0.1:11211' });
  // @ts-expect-error: not a cassandra-driver client
  new CassandraSessionStore({ client: '127.0.0.1', keyspace: 'app' });
  // @ts-expect-error: not a DynamoDB client
  new DynamoDBSessionStore({ client: 'http://127.0.0.1:8000' });
  // @ts-expect-error: not a Hazelcast client
  new HazelcastSessionStore({ client: '127.0.0.1:5701' });
}

/** A typed manager and an HTTP handler on it. */
export function httpHandler() {
  const manager = new SessionManager<AppSession>({ ...expiryPresets.nistAal2, store: new MemoryStore() });
  const visits: number | undefined = manager.create().get('visits');
  // @ts-expect-error: attribute names are typed
  manager.create().get('nope');
  return {
    visits,
    handler: withSession<AppSession>(
      async (req, res, context) => {
        const session = await context.session();
        session.update('visits', (n) => (n ?? 0) + 1);
        res.end(String(getSession<AppSession>(req) === context));
      },
      { manager, secrets: [generateSessionId()] },
    ),
  };
}

/** A record as a store takes it, keyed by the hash of a session ID. */
export const record: [string, StoredSession] = [
  hashSessionId(generateSessionId()),
  { data: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000 },
];

/** The conformance suite's harness, typed by the store it builds. */
export function conformance(): void {
  describeSessionStore<RedisSessionStore>('redis', {
    create: ({ prefix }) => new RedisSessionStore({ connection: { host: '127.0.0.1', port: 6379 }, keyPrefix: prefix }),
  });
}

/** Telemetry wired as an app wires it: the instrumented store is a `SessionStore`, the manager takes its tracer. */
export function instrumented(): SessionManager<AppSession> {
  const telemetry = new SessionTelemetry({ hashedKeyPrefix: 8 });
  const store: SessionStore = telemetry.instrumentStore(new MemoryStore(), { address: '127.0.0.1', port: 6379 });
  const manager = new SessionManager<AppSession>({
    ...expiryPresets.nistAal2,
    store,
    tracer: telemetry.managerTracer(),
  });
  telemetry.observeManager(manager);
  return manager;
}

/** A store from a URL, as an app configured by one setting opens it; the spec is a typed union. */
export async function fromUrl(url: string): Promise<SessionManager<AppSession>> {
  const spec: StoreSpec = parseStoreUrl(url);
  if (spec.kind === 'tiered') throw new StoreUrlError('this app wants one store');
  const store: SessionStore = await openStore(spec, { provision: false });
  return new SessionManager<AppSession>({ ...expiryPresets.nistAal2, store });
}

/** The CLI's program, embeddable: its commands by name. */
export function cliCommands(): string[] {
  return createProgram().commands.map((command) => command.name());
}
