/**
 * Failure behaviour: a dead endpoint fails fast and typed, a silent one times out at the deadline and the
 * request is aborted (the SDK's own retries included), and dynalite killed in the middle of a run yields typed
 * errors until it is back, then (table recreated: dynalite keeps everything in memory) new operations succeed.
 */

import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StoredSession } from '@sessionkit/core';
import {
  connectionErrorCode,
  generateSessionId,
  hashSessionId,
  SessionKitError,
  StoreTimeoutError,
  StoreUnavailableError,
} from '@sessionkit/core';
import { serverControl } from '@sessionkit/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBSessionStore } from '../src/index.js';
import { CREDENTIALS, ensureTable, openStore, REGION, resetTable, TABLE } from './helpers.js';

const newKey = (): string => hashSessionId(generateSessionId());
const record = (overrides: Partial<StoredSession> = {}): StoredSession => ({
  data: new TextEncoder().encode('{"n":1}'),
  version: 1,
  expiresAt: Date.now() + 10 * 60_000,
  ...overrides,
});
const credentials = CREDENTIALS ?? { accessKeyId: 'local', secretAccessKey: 'local' };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A TCP server on a free loopback port, with the given connection handler. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

/** Every call of the store, each expected to fail. */
function allCalls(store: DynamoDBSessionStore): [string, () => Promise<unknown>][] {
  const k = newKey();
  return [
    ['connect', () => store.connect()],
    ['get', () => store.get(k)],
    ['get strong', () => store.get(k, { consistency: 'strong' })],
    ['create', () => store.create(k, record({ userId: 'u1' }))],
    ['update', () => store.update(k, record({ version: 2 }), 1)],
    ['touch', () => store.touch(k, Date.now() + 60_000)],
    ['delete', () => store.delete(k)],
    ['listByUser', () => store.listByUser('u1')],
    ['deleteByUser', () => store.deleteByUser('u1')],
  ];
}

/** A loopback URL where nothing listens: a server socket bound to an ephemeral port, then closed. */
async function closedPortUrl(): Promise<string> {
  const { server, url } = await tcpServer(() => {});
  await new Promise((resolve) => server.close(resolve));
  return url;
}

/** Expects the refusal of a closed port: StoreUnavailableError (not a timeout) with the SDK's error as cause. */
function expectRefused(error: unknown, operation: string): void {
  expect(error, operation).toBeInstanceOf(StoreUnavailableError);
  expect(error, operation).not.toBeInstanceOf(StoreTimeoutError);
  const e = error as StoreUnavailableError;
  expect(e.code, operation).toBe('STORE_UNAVAILABLE');
  expect(e.store, operation).toBe('dynamodb');
  expect(e.operation, operation).toBe(operation.split(' ')[0]);
  expect(connectionErrorCode(e.cause), operation).toBe('ECONNREFUSED');
}

describe('unreachable endpoints', () => {
  // A 60 s deadline and a 10 s test timeout: a refusal must not wait for the deadline.
  it('a closed port fails connect() and every call at once with StoreUnavailableError, cause ECONNREFUSED', {
    timeout: 10_000,
  }, async () => {
    const url = await closedPortUrl();
    const store = new DynamoDBSessionStore({
      endpoint: url,
      region: REGION,
      credentials,
      tableName: TABLE,
      operationTimeoutMs: 60_000,
    });
    cleanups.push(() => store.close());
    for (const [name, call] of allCalls(store)) expectRefused(await rejection(call()), name);
  });

  it("a client passed in does not retry the store's refused calls, whatever its own maxAttempts", {
    timeout: 10_000,
  }, async () => {
    const url = await closedPortUrl();
    // The SDK counts ECONNREFUSED as transient: ten attempts with its backoff would take seconds per call.
    const client = new DynamoDBClient({ endpoint: url, region: REGION, credentials, maxAttempts: 10 });
    cleanups.push(() => client.destroy());
    const store = new DynamoDBSessionStore({ client, tableName: TABLE, operationTimeoutMs: 60_000 });
    for (const [name, call] of allCalls(store)) {
      const error = await rejection(call());
      expectRefused(error, name);
      expect(((error as Error).cause as { $metadata?: { attempts?: number } }).$metadata?.attempts, name).toBe(1);
    }
  });

  it('a server that never answers times out at the deadline and the request is aborted', async () => {
    const sockets: Socket[] = [];
    const closed: Promise<void>[] = [];
    const { server, url } = await tcpServer((socket) => {
      sockets.push(socket);
      closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
      socket.on('error', () => {});
      socket.resume(); // read (and ignore) the request, so the client's close is noticed
    });
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
    });
    const store = new DynamoDBSessionStore({
      endpoint: url,
      region: REGION,
      credentials,
      tableName: TABLE,
      operationTimeoutMs: 300,
    });
    cleanups.push(() => store.close());
    const error = await rejection(store.get(newKey()));
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect((error as StoreTimeoutError).timeoutMs).toBe(300);
    // The aborted request closes its connection instead of leaving it hanging.
    expect(sockets.length).toBe(1);
    await closed[0];
  });

  it("a given client's own SDK retries stop at the store's deadline", async () => {
    let connections = 0;
    // Accept and reset every connection: the SDK classifies that as transient and retries with backoff.
    const { server, url } = await tcpServer((socket) => {
      connections++;
      socket.on('error', () => {});
      socket.resetAndDestroy();
    });
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const client = new DynamoDBClient({ endpoint: url, region: REGION, credentials, maxAttempts: 50 });
    cleanups.push(() => client.destroy());
    const store = new DynamoDBSessionStore({ client, tableName: TABLE, operationTimeoutMs: 1_000 });
    const error = await rejection(store.get(newKey()));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const atDeadline = connections;
    expect(atDeadline).toBeGreaterThan(1); // the SDK did retry...
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(connections, '...but not after the deadline aborted the call').toBe(atDeadline);
  });
});

describe('dynalite killed mid-run and restarted', () => {
  it('typed errors while down; after restart and createTable, new operations succeed', async () => {
    await ensureTable();
    const store = openStore({ keyPrefix: `fault-${generateSessionId().slice(0, 6)}:`, operationTimeoutMs: 5_000 });
    const before = newKey();
    expect(await store.create(before, record({ userId: 'fault-user' }))).toBe(true);

    // Background traffic that is running when the server dies.
    let running = true;
    const outcomes = { ok: 0, typed: 0, untyped: [] as unknown[] };
    const traffic = (async () => {
      while (running) {
        const k = newKey();
        try {
          await store.create(k, record({ userId: 'fault-user' }));
          await store.get(k, { consistency: 'strong' });
          outcomes.ok++;
        } catch (error) {
          if (error instanceof SessionKitError) outcomes.typed++;
          else outcomes.untyped.push(error);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();

    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await serverControl.kill('dynalite');
      for (const [name, call] of allCalls(store)) {
        const error = await rejection(call());
        expect(error, `${name} while dynalite is down`).toBeInstanceOf(StoreUnavailableError);
      }
    } finally {
      await serverControl.start('dynalite');
      resetTable();
    }

    // dynalite is in memory: the table is gone. The store says so, typed, until the table is back.
    const missing = await rejection(store.get(before));
    expect(missing).toBeInstanceOf(StoreUnavailableError);
    expect(String((missing as Error).message)).toMatch(/not found/);
    await store.createTable();
    await ensureTable();

    await new Promise((resolve) => setTimeout(resolve, 200));
    running = false;
    await traffic;
    expect(outcomes.untyped, 'every failure was a typed SessionKitError').toEqual([]);
    expect(outcomes.typed).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);

    expect(await store.get(before), 'data written before the restart is gone (dynalite keeps it in memory)').toBeNull();
    const after = newKey();
    expect(await store.create(after, record({ userId: 'fault-user' }))).toBe(true);
    expect(await store.update(after, record({ version: 2, userId: 'fault-user' }), 1)).toBe(true);
    expect(await store.touch(after, Date.now() + 120_000)).toBe(true);
    expect((await store.get(after, { consistency: 'strong' }))?.version).toBe(2);
    expect((await store.listByUser('fault-user')).map((e) => e.key)).toContain(after);
    expect(await store.deleteByUser('fault-user')).toBeGreaterThanOrEqual(1);
    await store.close();
  });
});
