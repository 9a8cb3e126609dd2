/**
 * Shared test setup: the dynalite endpoint of the project's test servers, a raw client for looking into the
 * table behind the adapter's back, and the test table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { endpoints } from '@sessionkit/test-servers';
import type { DynamoDBSessionStoreOptions } from '../src/index.js';
import { createSessionTable, DynamoDBSessionStore } from '../src/index.js';

/** dynalite from services/ (127.0.0.1:14567), overridable with SESSIONKIT_DYNAMODB_ENDPOINT. */
export const ENDPOINT = endpoints.dynamodb.endpoint;
export const REGION = endpoints.dynamodb.region;
/** Dummy keys for dynalite (it accepts any signature); undefined for an external endpoint (default chain). */
export const CREDENTIALS = endpoints.dynamodb.credentials;
export const TABLE = 'sessionkit_test_sessions';

/** A raw SDK client (SDK defaults apart from endpoint/credentials, retries off) for checks behind the adapter. */
export function rawClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: ENDPOINT,
    region: REGION,
    maxAttempts: 1,
    ...(CREDENTIALS ? { credentials: CREDENTIALS } : {}),
  });
}

let tableReady: Promise<unknown> | undefined;

/** Creates the test table once per file (again after `resetTable`, e.g. when dynalite was restarted). */
export function ensureTable(): Promise<unknown> {
  tableReady ??= (async () => {
    const client = rawClient();
    try {
      return await createSessionTable(client, { tableName: TABLE });
    } finally {
      client.destroy();
    }
  })();
  tableReady.catch(() => {
    tableReady = undefined;
  });
  return tableReady;
}

/** Forgets that the table exists (after a dynalite restart). */
export function resetTable(): void {
  tableReady = undefined;
}

/** A store on the test table with the given options. */
export function openStore(options: DynamoDBSessionStoreOptions = {}): DynamoDBSessionStore {
  return new DynamoDBSessionStore({
    ...(options.client ? {} : { endpoint: ENDPOINT, region: REGION }),
    ...(options.client || !CREDENTIALS ? {} : { credentials: CREDENTIALS }),
    tableName: TABLE,
    ...options,
  });
}
