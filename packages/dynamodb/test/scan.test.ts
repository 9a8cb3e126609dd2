/**
 * `scan` at scale on dynalite: a table of its own seeded with a few thousand records (plus another prefix's,
 * expired ones and foreign items), walked with small limits (every key once, pages within the limit), in
 * parallel segments, resumed by another store instance, and timed with limit 1000 (a `[figures]` line).
 */
import type { PutRequest, WriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchWriteItemCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { expectOnceEach, scanAll } from '@sessionkit/conformance';
import { ConfigurationError, generateSessionId, hashSessionId, mapLimit } from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBSessionStore } from '../src/index.js';
import { createSessionTable } from '../src/index.js';
import { ATTR, encodeRecord } from '../src/internal.js';
import { openStore, rawClient } from './helpers.js';

const SCAN_TABLE = `sessionkit_scan_test_${generateSessionId()
  .slice(0, 8)
  .replace(/[^A-Za-z0-9]/g, 'x')}`;
const PREFIX = 'scan:';
const OTHER_PREFIX = 'scan-other:';
const LIVE = 3000;
const newKey = (): string => hashSessionId(generateSessionId());

const raw = rawClient();
const keys: string[] = [];
let store: DynamoDBSessionStore;

/** Writes items with BatchWriteItem (25 per call), retrying unprocessed ones. */
async function putAll(items: PutRequest[]): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25) {
    batches.push(items.slice(i, i + 25).map((item) => ({ PutRequest: item })));
  }
  await mapLimit(batches, 4, async (batch) => {
    let left: WriteRequest[] = batch;
    while (left.length > 0) {
      const out = await raw.send(new BatchWriteItemCommand({ RequestItems: { [SCAN_TABLE]: left } }));
      left = out.UnprocessedItems?.[SCAN_TABLE] ?? [];
    }
  });
}

function put(pk: string, expiresAt: number, userId?: string): PutRequest {
  const data = new TextEncoder().encode(`{"n":"${pk.slice(-6)}"}`);
  return { Item: encodeRecord(pk, { data, version: 1, expiresAt, ...(userId ? { userId } : {}) }) };
}

beforeAll(async () => {
  await createSessionTable(raw, { tableName: SCAN_TABLE });
  store = openStore({ tableName: SCAN_TABLE, keyPrefix: PREFIX, operationTimeoutMs: 10_000 });
  const future = Date.now() + 30 * 60_000;
  const items: PutRequest[] = [];
  for (let i = 0; i < LIVE; i++) {
    const key = newKey();
    keys.push(key);
    items.push(put(PREFIX + key, future, i % 4 === 0 ? `user-${i % 50}` : undefined));
  }
  // Not ours: another prefix sharing the table, expired records TTL has not purged (dynalite never does), and an
  // item some other writer put under our prefix without the record's attributes.
  for (let i = 0; i < 200; i++) items.push(put(OTHER_PREFIX + newKey(), future));
  for (let i = 0; i < 200; i++) items.push(put(PREFIX + newKey(), Date.now() - 60_000));
  items.push({ Item: { [ATTR.key]: { S: `${PREFIX}foreign` }, note: { S: 'not a session' } } });
  await putAll(items);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await raw.send(new DeleteTableCommand({ TableName: SCAN_TABLE })).catch(() => undefined);
  raw.destroy();
});

describe('DynamoDBSessionStore.scan at scale', () => {
  it(`lists each of ${LIVE} live records exactly once with limit 7, every page within the limit`, async () => {
    const walk = await scanAll(store, 7);
    expectOnceEach(walk.entries, keys, 'records listed');
    expect(walk.entries.length, 'nothing else listed (other prefix, expired, foreign item)').toBe(LIVE);
    expect(walk.largestPage, 'largest page').toBeLessThanOrEqual(7);
    // Limit counts examined items (3,401 in the table, DynamoDB and dynalite alike), so that many / 7 calls.
    expect(walk.pages).toBeGreaterThanOrEqual(Math.ceil(3401 / 7));
  });

  it('lists every record as get returns it', async () => {
    const walk = await scanAll(store, 250);
    const sample = walk.entries.filter((_, i) => i % 100 === 0);
    for (const { key, session } of sample) {
      const got = await store.get(key, { consistency: 'strong' });
      expect(session).toEqual(got);
    }
  });

  it('walks 4 parallel segments whose union is every record exactly once', async () => {
    const segments = await Promise.all(
      [0, 1, 2, 3].map(async (segment) => {
        const first = await store.scan({ segment, totalSegments: 4, limit: 50 });
        const rest = first.cursor === undefined ? [] : (await scanAll(store, 50, undefined, first.cursor)).entries;
        return [...first.entries, ...rest];
      }),
    );
    expectOnceEach(segments.flat(), keys, 'records listed by the 4 segments');
    // Each segment got a share, not one segment everything.
    for (const part of segments) expect(part.length).toBeGreaterThan(0);
  });

  it('resumes from a cursor in another store instance (as after a restart)', async () => {
    const first = await store.scan({ limit: 500 });
    const other = openStore({ tableName: SCAN_TABLE, keyPrefix: PREFIX, operationTimeoutMs: 10_000 });
    try {
      expect(first.cursor).toBeDefined();
      const rest = await scanAll(other, 500, undefined, first.cursor);
      expectOnceEach([...first.entries, ...rest.entries], keys, 'records listed across the two instances');
    } finally {
      await other.close();
    }
  });

  it('refuses malformed cursors and segments with ConfigurationError', async () => {
    const bad = [
      { cursor: 'x' },
      { cursor: '0.1.' },
      { cursor: '1.1.YQ' }, // segment out of range
      { cursor: '0.1.YR' }, // not canonical base64url
      { segment: 4, totalSegments: 4 },
      { segment: 0, totalSegments: 0 },
    ];
    for (const options of bad) {
      await expect(store.scan(options), JSON.stringify(options)).rejects.toBeInstanceOf(ConfigurationError);
    }
  });

  it('measures records/s with limit 1000', async () => {
    const started = performance.now();
    const walk = await scanAll(store, 1000);
    const ms = performance.now() - started;
    expectOnceEach(walk.entries, keys, 'records listed');
    expect(walk.largestPage).toBeLessThanOrEqual(1000);
    const perSecond = Math.round((walk.entries.length / ms) * 1000);
    console.log(
      `[figures] dynamodb scan (dynalite): ${walk.entries.length} records in ${walk.pages} pages of limit 1000, ` +
        `${ms.toFixed(0)} ms, ${perSecond} records/s`,
    );
    expect(walk.entries.length, 'nothing but the live records').toBe(LIVE);
  });
});
