/**
 * The store replaces a client it owns once every call on it has failed with a timeout or an outage for
 * 1.5 × `operationTimeoutMs` (see Connection.noteFailure for the hazelcast-client states this escapes), and
 * only then. Against the real test cluster: the failures are reported to the connection directly, since the
 * wedged states themselves need a whole-cluster restart (examples/shop/test/backend-recovery.test.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, StoreTimeoutError } from '@sessionkit/core';
import { endpoints } from '@sessionkit/test-servers';
import type { Client } from 'hazelcast-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../src/connection.js';
import { resolveOptions } from '../src/options.js';
import { openClient, quietClientConfig, TEST_MAP } from './helpers.js';

const OPERATION_TIMEOUT_MS = 200;
const timeout = new StoreTimeoutError(OPERATION_TIMEOUT_MS, { store: 'hazelcast', operation: 'get' });
const conflict = new ConflictError('the key kept changing', { store: 'hazelcast', operation: 'update' });

const opened: Connection[] = [];
const given: Client[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
  await Promise.all(given.splice(0).map((client) => client.shutdown()));
});

function open(client?: Client): { connection: Connection; changes: () => number } {
  let changes = 0;
  const { members, clusterName } = endpoints.hazelcast;
  const options = resolveOptions({
    ...(client ? { client } : { members, clusterName, clientConfig: quietClientConfig }),
    mapName: TEST_MAP,
    operationTimeoutMs: OPERATION_TIMEOUT_MS,
  });
  const connection = new Connection(options, () => changes++);
  opened.push(connection);
  return { connection, changes: () => changes };
}

describe('a client whose calls all keep failing', () => {
  it('is replaced after 1.5 x operationTimeoutMs of nothing but outages; the old one is shut down', async () => {
    const { connection, changes } = open();
    const first = await connection.client();
    connection.noteFailure(timeout);
    await sleep(OPERATION_TIMEOUT_MS * 1.5 + 50);
    expect(connection.mapNow()).toBeDefined(); // failures alone, however old the first, replace nothing
    connection.noteFailure(timeout);
    expect(connection.mapNow()).toBeUndefined();
    expect(changes()).toBe(1); // what the store cached about the cluster is forgotten
    const second = await connection.client();
    expect(second).not.toBe(first);
    await expect.poll(() => first.getLifecycleService().isRunning()).toBe(false);
    expect(second.getLifecycleService().isRunning()).toBe(true);
  });

  it('is kept when a call succeeds in between, or when the failures are not outages', async () => {
    const { connection, changes } = open();
    const first = await connection.client();
    connection.noteFailure(timeout);
    await sleep(OPERATION_TIMEOUT_MS * 1.5 + 50);
    connection.noteSuccess();
    connection.noteFailure(timeout);
    await sleep(OPERATION_TIMEOUT_MS * 1.5 + 50);
    connection.noteFailure(conflict); // a lost compare-and-set says nothing about the client
    expect(await connection.client()).toBe(first);
    expect(changes()).toBe(0);
  });

  it('is never replaced when the caller owns it', async () => {
    const client = await openClient();
    given.push(client);
    const { connection } = open(client);
    await connection.map();
    connection.noteFailure(timeout);
    await sleep(OPERATION_TIMEOUT_MS * 1.5 + 50);
    connection.noteFailure(timeout);
    expect(await connection.client()).toBe(client);
    expect(client.getLifecycleService().isRunning()).toBe(true);
  });
});
