/**
 * DynamoDB-specific behaviour against dynalite: expired-but-held items, the item size limit, the table helper,
 * consistency flags, prefix isolation in the GSI, client ownership, options. Throttling and unprocessed batch
 * items cannot be provoked on dynalite (it never throttles), so those tests inject them with SDK middleware on
 * a real client talking to dynalite; everything else reaches the server unmodified.
 */

import type { AttributeValue, BatchWriteItemCommandInput, BatchWriteItemCommandOutput } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  RequestLimitExceeded,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import type { StoredSession } from '@sessionkit/core';
import {
  ConfigurationError,
  generateSessionId,
  hashSessionId,
  MAX_USER_ID_BYTES,
  PayloadTooLargeError,
  StoreClosedError,
  StoreUnavailableError,
} from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBSessionStoreOptions } from '../src/index.js';
import { createSessionTable, DynamoDBSessionStore, sessionTableDefinition } from '../src/index.js';
import { ATTR, DEFAULT_MAX_PAYLOAD_BYTES, DYNAMODB_MAX_ITEM_BYTES, itemSize } from '../src/internal.js';
import { CREDENTIALS, ENDPOINT, ensureTable, openStore, REGION, rawClient, TABLE } from './helpers.js';

const newKey = (): string => hashSessionId(generateSessionId());
const newUser = (): string => `user-${generateSessionId().slice(0, 12)}`;
const newPrefix = (): string => `t-${generateSessionId().slice(0, 8)}:`;
const record = (overrides: Partial<StoredSession> = {}): StoredSession => ({
  data: new TextEncoder().encode('{"cart":[1,2,3]}'),
  version: 1,
  expiresAt: Date.now() + 10 * 60_000,
  ...overrides,
});

const raw = rawClient();
const opened: DynamoDBSessionStore[] = [];
const extraClients: DynamoDBClient[] = [];

/** A store on the test table with a fresh prefix; returns the prefix too, for raw access. */
function store(options: Parameters<typeof openStore>[0] = {}): { s: DynamoDBSessionStore; prefix: string } {
  const prefix = options.keyPrefix ?? newPrefix();
  const s = openStore({ ...options, keyPrefix: prefix });
  opened.push(s);
  return { s, prefix };
}

async function rawGet(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  const out = await raw.send(
    new GetItemCommand({ TableName: TABLE, Key: { [ATTR.key]: { S: pk } }, ConsistentRead: true }),
  );
  return out.Item;
}

/** Rewrites a stored item's expiresAt (and ttl) behind the adapter's back, as if time had passed. */
async function ageItem(pk: string, expiresAt: number): Promise<void> {
  const item = await rawGet(pk);
  if (!item) throw new Error('nothing to age');
  await raw.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: {
        ...item,
        [ATTR.expiresAt]: { N: String(expiresAt) },
        [ATTR.ttl]: { N: String(Math.ceil(expiresAt / 1000)) },
      },
    }),
  );
}

interface Handled {
  output: unknown;
  response: unknown;
}
type Next = (args: { input: unknown }) => Promise<Handled>;
/** An initialize-step middleware (typed loosely: the SDK's generic overloads do not infer here). */
type Middleware = (next: Next, context: { commandName: string }) => (args: { input: unknown }) => Promise<Handled>;
/** A real client to dynalite with `middleware` in front of the SDK's stack (before its retry step). */
function clientWith(middleware: Middleware, maxAttempts = 1): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: ENDPOINT,
    region: REGION,
    maxAttempts,
    ...(CREDENTIALS ? { credentials: CREDENTIALS } : {}),
  });
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'sessionkitTestInjection' });
  extraClients.push(client);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  await ensureTable();
});
afterAll(async () => {
  for (const s of opened) await s.close();
  for (const c of extraClients) c.destroy();
  raw.destroy();
});

describe('an item past expiresAt that the server still holds (DynamoDB TTL lags, dynalite never purges)', () => {
  it('is never returned by get/listByUser, not revived by touch/update, and does not block create', async () => {
    const { s, prefix } = store();
    const user = newUser();
    const k = newKey();
    const pk = prefix + k;
    const past = Date.now() - 5_000;
    // Written with the raw SDK, exactly as the adapter writes a session, but already expired.
    await raw.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          [ATTR.key]: { S: pk },
          [ATTR.data]: { B: new Uint8Array([1, 2, 3]) },
          [ATTR.version]: { N: '4' },
          [ATTR.expiresAt]: { N: String(past) },
          [ATTR.ttl]: { N: String(Math.ceil(past / 1000)) },
          [ATTR.userId]: { S: user },
        },
      }),
    );
    expect(await rawGet(pk), 'the server holds the expired item').toBeDefined();

    expect(await s.get(k), 'eventual get').toBeNull();
    expect(await s.get(k, { consistency: 'strong' }), 'strong get').toBeNull();
    expect(await s.listByUser(user), 'listByUser').toEqual([]);
    expect(await s.touch(k, Date.now() + 60_000), 'touch').toBe(false);
    expect(await s.update(k, record({ version: 5, userId: user }), 4), 'update at the stored version').toBe(false);
    const after = await rawGet(pk);
    expect(after?.[ATTR.expiresAt]?.N, 'touch/update left the expired item untouched').toBe(String(past));
    expect(after?.[ATTR.version]?.N).toBe('4');

    const fresh = record({ userId: user });
    expect(await s.create(k, fresh), 'create over the expired item').toBe(true);
    const got = await s.get(k, { consistency: 'strong' });
    expect(got?.version).toBe(1);
    expect([...(got?.data ?? [])]).toEqual([...fresh.data]);
    expect((await s.listByUser(user)).map((e) => e.key)).toEqual([k]);
  });

  it('listByUser without verification filters on the indexed expiresAt', async () => {
    const { s, prefix } = store({ verifyUserIndex: false });
    const user = newUser();
    const [live, dead] = [newKey(), newKey()];
    await s.create(live, record({ userId: user }));
    await s.create(dead, record({ userId: user }));
    await ageItem(prefix + dead, Date.now() - 1_000);
    expect((await s.listByUser(user)).map((e) => e.key)).toEqual([live]);
  });

  it('deleteByUser does not count it but purges it from the table', async () => {
    const { s, prefix } = store();
    const user = newUser();
    const [live, dead] = [newKey(), newKey()];
    await s.create(live, record({ userId: user }));
    await s.create(dead, record({ userId: user }));
    await ageItem(prefix + dead, Date.now() - 1_000);
    expect(await s.deleteByUser(user)).toBe(1);
    expect(await rawGet(prefix + dead), 'expired leftover deleted too').toBeUndefined();
    expect(await rawGet(prefix + live)).toBeUndefined();
  });

  it('delete reports false for it and removes it', async () => {
    const { s, prefix } = store();
    const k = newKey();
    await s.create(k, record());
    await ageItem(prefix + k, Date.now() - 1);
    expect(await s.delete(k)).toBe(false);
    expect(await rawGet(prefix + k)).toBeUndefined();
  });

  it('an item lacking the attributes this store writes reads as missing, never crashes', async () => {
    const { s, prefix } = store();
    const k = newKey();
    await raw.send(new PutItemCommand({ TableName: TABLE, Item: { [ATTR.key]: { S: prefix + k } } }));
    expect(await s.get(k)).toBeNull();
    expect(await s.touch(k, Date.now() + 60_000)).toBe(false);
  });
});

describe('item layout', () => {
  it('stores prefix+key, binary data, version, expiresAt in ms and ttl in epoch seconds rounded up', async () => {
    const { s, prefix } = store();
    const k = newKey();
    const expiresAt = Date.now() + 61_234;
    await s.create(k, record({ expiresAt, userId: 'alice' }));
    const item = await rawGet(prefix + k);
    expect(item?.[ATTR.expiresAt]?.N).toBe(String(expiresAt));
    expect(item?.[ATTR.ttl]?.N).toBe(String(Math.ceil(expiresAt / 1000)));
    expect(item?.[ATTR.version]?.N).toBe('1');
    expect(item?.[ATTR.userId]?.S).toBe('alice');
    expect(item?.[ATTR.data]?.B).toBeInstanceOf(Uint8Array);
  });

  it('update keeps the userId written at create', async () => {
    const { s, prefix } = store();
    const k = newKey();
    await s.create(k, record({ userId: 'alice' }));
    expect(await s.update(k, record({ version: 2, userId: 'mallory' }), 1)).toBe(true);
    expect((await rawGet(prefix + k))?.[ATTR.userId]?.S).toBe('alice');
    expect((await s.get(k))?.userId).toBe('alice');
  });

  it('binary data of every byte value and of length 0 round-trips', async () => {
    const { s } = store();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const [a, b] = [newKey(), newKey()];
    await s.create(a, record({ data: all }));
    await s.create(b, record({ data: new Uint8Array(0) }));
    expect([...((await s.get(a))?.data ?? [])]).toEqual([...all]);
    expect((await s.get(b))?.data.byteLength).toBe(0);
  });
});

describe('400 KB item limit', () => {
  it('declares maxPayloadBytes as the item limit minus a reserve for the other attributes', () => {
    const { s } = store();
    expect(s.capabilities.maxPayloadBytes).toBe(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(DYNAMODB_MAX_ITEM_BYTES).toBe(409_600);
  });

  it('checks the whole item (names, key, userId, numbers): an item of exactly 400 KB is accepted, one byte more is refused before sending', async () => {
    let sent = 0;
    const client = clientWith((next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand' || context.commandName === 'UpdateItemCommand') sent++;
      return next(args);
    });
    const prefix = newPrefix();
    // maxPayloadBytes up to the item limit itself, so only the exact item-size check stands in the way.
    const s = new DynamoDBSessionStore({
      client,
      tableName: TABLE,
      keyPrefix: prefix,
      maxPayloadBytes: DYNAMODB_MAX_ITEM_BYTES,
    });
    opened.push(s);
    const k = newKey();
    const userId = 'u'.repeat(MAX_USER_ID_BYTES);
    const base = record({ userId, data: new Uint8Array(0) });
    const overhead = itemSize(prefix + k, base);
    const fits = record({ userId, data: new Uint8Array(DYNAMODB_MAX_ITEM_BYTES - overhead).fill(7) });
    expect(itemSize(prefix + k, fits)).toBe(DYNAMODB_MAX_ITEM_BYTES);
    expect(await s.create(k, fits), 'a 409,600-byte item by our count is accepted by the server').toBe(true);

    const tooBig = record({ userId, data: new Uint8Array(DYNAMODB_MAX_ITEM_BYTES - overhead + 1) });
    const before = sent;
    const error = await rejection(s.create(newKey(), tooBig));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).size).toBe(DYNAMODB_MAX_ITEM_BYTES + 1);
    expect((error as PayloadTooLargeError).store).toBe('dynamodb');
    const updateError = await rejection(s.update(k, { ...tooBig, version: 2 }, 1));
    expect(updateError).toBeInstanceOf(PayloadTooLargeError);
    expect(sent, 'nothing was sent for the refused writes').toBe(before);
    expect((await s.get(k))?.version, 'the stored item is unchanged').toBe(1);
  });

  it("maps the server's own size rejection to PayloadTooLargeError (update with a longer stored userId)", async () => {
    const { s, prefix } = store({ maxPayloadBytes: DYNAMODB_MAX_ITEM_BYTES });
    const k = newKey();
    // The stored owner is long; the update is (against the contract) sent with a short one, so our estimate
    // is below the real item size and only DynamoDB can tell.
    await s.create(k, record({ userId: 'o'.repeat(MAX_USER_ID_BYTES) }));
    const data = new Uint8Array(DYNAMODB_MAX_ITEM_BYTES - itemSize(prefix + k, record({ data: new Uint8Array(0) })));
    const error = await rejection(s.update(k, record({ version: 2, data }), 1));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((await s.get(k))?.version).toBe(1);
  });
});

describe('createSessionTable', () => {
  it('is idempotent and reports TTL as unsupported on dynalite (UnknownOperationException)', async () => {
    const result = await createSessionTable(raw, { tableName: TABLE });
    expect(result).toEqual({ created: false, ttl: 'unsupported' });
  });

  it('creates a new table with the GSI; a store can use it at once', async () => {
    const tableName: string = `sk_new_${generateSessionId()
      .slice(0, 10)
      .replace(/[^A-Za-z0-9]/g, '_')}`;
    const created = await createSessionTable(raw, { tableName, billingMode: 'PROVISIONED' });
    expect(created.created).toBe(true);
    const s = new DynamoDBSessionStore({ client: raw, tableName });
    opened.push(s);
    const k = newKey();
    await s.create(k, record({ userId: 'bob' }));
    expect((await s.listByUser('bob')).map((e) => e.key)).toEqual([k]);
  });

  it('refuses an existing table with another key schema', async () => {
    const tableName = `sk_bad_${generateSessionId()
      .slice(0, 10)
      .replace(/[^A-Za-z0-9]/g, '_')}`;
    await raw.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect(await rejection(createSessionTable(raw, { tableName }))).toBeInstanceOf(ConfigurationError);
  });

  it('the definition matches the documented schema', () => {
    const d = sessionTableDefinition();
    expect(d.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(d.GlobalSecondaryIndexes?.[0]?.Projection).toEqual({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['expiresAt'],
    });
  });

  it('a missing table surfaces as StoreUnavailableError naming the table', async () => {
    const s = new DynamoDBSessionStore({ client: raw, tableName: 'sk_no_such_table' });
    opened.push(s);
    const error = await rejection(s.get(newKey()));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(String((error as Error).message)).toContain('sk_no_such_table');
  });
});

describe('connect', () => {
  /** A client to dynalite that records the table of every DescribeTable it sends. */
  function describing(): { client: DynamoDBClient; described: string[] } {
    const described: string[] = [];
    const client = clientWith((next, context) => async (args) => {
      if (context.commandName === 'DescribeTableCommand')
        described.push(String((args.input as { TableName?: string }).TableName));
      return next(args);
    });
    return { client, described };
  }

  it('checks the table with one DescribeTable, however often and concurrently it is called', async () => {
    const { client, described } = describing();
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix() });
    opened.push(s);
    await Promise.all([s.connect(), s.connect()]);
    await s.connect();
    expect(described).toEqual([TABLE]);
  });

  it('rejects a missing table with StoreUnavailableError naming it, and asks again on the next call', async () => {
    const { client, described } = describing();
    const s = new DynamoDBSessionStore({ client, tableName: 'sk_no_such_table' });
    opened.push(s);
    for (let i = 0; i < 2; i++) {
      const error = await rejection(s.connect());
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).operation).toBe('connect');
      expect(String((error as Error).message)).toContain('sk_no_such_table');
    }
    expect(described).toEqual(['sk_no_such_table', 'sk_no_such_table']);
  });

  it('rejects a table without the configured user index with ConfigurationError', async () => {
    const s = new DynamoDBSessionStore({ client: raw, tableName: TABLE, userIndexName: 'noSuchIndex' });
    opened.push(s);
    const error = await rejection(s.connect());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toContain('noSuchIndex');
  });

  it('rejects with StoreClosedError after close', async () => {
    const s = openStore();
    await s.close();
    expect(await rejection(s.connect())).toBeInstanceOf(StoreClosedError);
  });
});

describe('consistency', () => {
  it("'strong' sends ConsistentRead: true, 'eventual' and the default do not", async () => {
    const flags: unknown[] = [];
    const client = clientWith((next, context) => async (args) => {
      if (context.commandName === 'GetItemCommand')
        flags.push((args.input as { ConsistentRead?: boolean }).ConsistentRead);
      return next(args);
    });
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix() });
    opened.push(s);
    const k = newKey();
    await s.create(k, record());
    await s.get(k, { consistency: 'strong' });
    await s.get(k, { consistency: 'eventual' });
    await s.get(k);
    expect(flags).toEqual([true, false, false]);
    expect(s.capabilities.strongReads).toBe(true);
  });

  it('listByUser verifies GSI entries with a strongly consistent BatchGetItem by default', async () => {
    const seen: { command: string; consistent: unknown }[] = [];
    const client = clientWith((next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, { ConsistentRead?: boolean }> };
      seen.push({ command: context.commandName, consistent: input.RequestItems?.[TABLE]?.ConsistentRead });
      return next(args);
    });
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix() });
    opened.push(s);
    const user = newUser();
    await s.create(newKey(), record({ userId: user }));
    seen.length = 0;
    await s.listByUser(user);
    expect(seen).toEqual([
      { command: 'QueryCommand', consistent: undefined },
      { command: 'BatchGetItemCommand', consistent: true },
    ]);
  });
});

describe('prefixes sharing one table and one GSI', () => {
  it('listByUser and deleteByUser only see their own prefix', async () => {
    const { s: a } = store();
    const { s: b } = store();
    const user = newUser();
    const [ka, kb] = [newKey(), newKey()];
    await a.create(ka, record({ userId: user }));
    await b.create(kb, record({ userId: user }));
    expect((await a.listByUser(user)).map((e) => e.key)).toEqual([ka]);
    expect(await a.deleteByUser(user)).toBe(1);
    expect((await b.listByUser(user)).map((e) => e.key)).toEqual([kb]);
  });
});

describe('throttling and unprocessed batch items (injected: dynalite never throttles)', () => {
  const throttles = [
    () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }),
    () => new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: {} }),
    () => new RequestLimitExceeded({ message: 'Account limit', $metadata: {} }),
  ];

  it('retries throttled conditional writes and reads with backoff, then succeeds', async () => {
    let failures = 0;
    const client = clientWith((next) => async (args) => {
      if (failures < 3) {
        const make = throttles[failures++ % throttles.length];
        throw make?.();
      }
      return next(args);
    });
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix(), retry: { baseDelayMs: 1 } });
    opened.push(s);
    const k = newKey();
    expect(await s.create(k, record())).toBe(true);
    expect(failures).toBe(3);
    failures = 1;
    expect((await s.get(k))?.version).toBe(1);
  });

  it('surfaces StoreUnavailableError when retries run out', async () => {
    let attempts = 0;
    const client = clientWith(() => async () => {
      attempts++;
      throw new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    });
    const s = new DynamoDBSessionStore({
      client,
      tableName: TABLE,
      keyPrefix: newPrefix(),
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
    });
    opened.push(s);
    const error = await rejection(s.update(newKey(), record({ version: 2 }), 1));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).retryable).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(ThrottlingException);
    expect(attempts).toBe(4);
  });

  it('deleteByUser resends UnprocessedItems until every delete is done', async () => {
    let batches = 0;
    const client = clientWith((next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      batches++;
      const input = args.input as BatchWriteItemCommandInput;
      const requests = input.RequestItems?.[TABLE] ?? [];
      if (requests.length <= 1) return next(args);
      // Let the server process half of the batch and hand the rest back, as DynamoDB does under load.
      const half = Math.ceil(requests.length / 2);
      const result = await next({ ...args, input: { RequestItems: { [TABLE]: requests.slice(0, half) } } });
      (result.output as BatchWriteItemCommandOutput).UnprocessedItems = { [TABLE]: requests.slice(half) };
      return result;
    });
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix(), retry: { baseDelayMs: 1 } });
    opened.push(s);
    const user = newUser();
    const keys = Array.from({ length: 30 }, newKey);
    for (const k of keys) await s.create(k, record({ userId: user }));
    expect(await s.deleteByUser(user)).toBe(30);
    expect(batches).toBeGreaterThan(2);
    for (const k of keys) expect(await s.get(k, { consistency: 'strong' })).toBeNull();
  });

  it('deleteByUser fails typed when items stay unprocessed', async () => {
    const client = clientWith((next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      const requests = (args.input as BatchWriteItemCommandInput).RequestItems?.[TABLE] ?? [];
      return { response: {}, output: { UnprocessedItems: { [TABLE]: requests }, $metadata: {} } } as never;
    });
    const s = new DynamoDBSessionStore({
      client,
      tableName: TABLE,
      keyPrefix: newPrefix(),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    opened.push(s);
    const user = newUser();
    await s.create(newKey(), record({ userId: user }));
    const error = await rejection(s.deleteByUser(user));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/unprocessed/);
  });
});

describe('ambiguous failures of conditional writes (injected resets: the reply is lost, not the request)', () => {
  const reset = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
  /** A client whose next `n` writes reach dynalite but whose replies are replaced by a connection reset. */
  function losingReplies(n: number): { client: DynamoDBClient; lost: () => number } {
    let lost = 0;
    const client = clientWith((next, context) => async (args) => {
      const result = await next(args);
      if (lost < n && (context.commandName === 'PutItemCommand' || context.commandName === 'UpdateItemCommand')) {
        lost++;
        throw reset();
      }
      return result;
    });
    return { client, lost: () => lost };
  }

  it('create and update whose first attempt was applied still resolve true', async () => {
    const { client, lost } = losingReplies(2);
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix(), retry: { baseDelayMs: 1 } });
    opened.push(s);
    const k = newKey();
    expect(await s.create(k, record({ userId: 'amb' })), 'create applied, reply lost, repeat refused').toBe(true);
    const next = record({ version: 2, userId: 'amb', data: new Uint8Array([9, 9]) });
    expect(await s.update(k, next, 1), 'update applied, reply lost, repeat refused').toBe(true);
    expect(lost()).toBe(2);
    expect((await s.get(k, { consistency: 'strong' }))?.version).toBe(2);
  });

  it('touch is simply repeated after a reset', async () => {
    const { client } = losingReplies(1);
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix(), retry: { baseDelayMs: 1 } });
    opened.push(s);
    const k = newKey();
    await s.create(k, record()); // consumes the one lost reply: resolved by the check above
    const later = Date.now() + 20 * 60_000;
    expect(await s.touch(k, later)).toBe(true);
    expect((await s.get(k))?.expiresAt).toBe(later);
  });

  it('a create that lost the race is still false after a reset (someone else holds the key)', async () => {
    let failed = false;
    const client = clientWith((next, context) => async (args) => {
      if (!failed && context.commandName === 'PutItemCommand') {
        failed = true;
        throw reset(); // never sent
      }
      return next(args);
    });
    const prefix = newPrefix();
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: prefix, retry: { baseDelayMs: 1 } });
    const other = openStore({ keyPrefix: prefix });
    opened.push(s, other);
    const k = newKey();
    expect(await other.create(k, record({ data: new Uint8Array([1]) }))).toBe(true);
    expect(await s.create(k, record({ data: new Uint8Array([2]) }))).toBe(false);
    expect([...((await s.get(k))?.data ?? [])]).toEqual([1]);
  });

  it('delete is not repeated after a reset: the caller gets StoreUnavailableError', async () => {
    let deletes = 0;
    const client = clientWith((next, context) => async (args) => {
      if (context.commandName === 'DeleteItemCommand') {
        deletes++;
        throw reset();
      }
      return next(args);
    });
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix(), retry: { baseDelayMs: 1 } });
    opened.push(s);
    expect(await rejection(s.delete(newKey()))).toBeInstanceOf(StoreUnavailableError);
    expect(deletes).toBe(1);
  });
});

describe('client ownership and options', () => {
  it('does not destroy a client it was given', async () => {
    const client = rawClient();
    extraClients.push(client);
    const s = new DynamoDBSessionStore({ client, tableName: TABLE, keyPrefix: newPrefix() });
    const k = newKey();
    await s.create(k, record());
    await s.close();
    expect(s.client).toBe(client);
    const out = await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [TABLE]: [{ DeleteRequest: { Key: { [ATTR.key]: { S: 'x' } } } }] },
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it('rejects invalid options with ConfigurationError', () => {
    const bad = [
      { tableName: 'x' },
      { operationTimeoutMs: 0 },
      { maxPayloadBytes: DYNAMODB_MAX_ITEM_BYTES + 1 },
      { client: raw, endpoint: ENDPOINT },
      { endpoint: 'not a url' },
      { keyPrefix: 'p'.repeat(257) },
      { name: '' },
      { retry: { maxAttempts: 0 } },
      // The option's old name: ignoring it would silently move the store onto the default prefix.
      { prefix: 'old:' } as DynamoDBSessionStoreOptions,
    ];
    for (const options of bad) expect(() => new DynamoDBSessionStore(options)).toThrow(ConfigurationError);
  });

  it("refuses an empty or overlong userId (core's rule; a GSI key cannot be empty anyway)", async () => {
    const { s } = store();
    for (const userId of ['', 'u'.repeat(MAX_USER_ID_BYTES + 1)]) {
      expect(await rejection(s.create(newKey(), record({ userId }))), userId).toBeInstanceOf(ConfigurationError);
      expect(await rejection(s.listByUser(userId)), userId).toBeInstanceOf(ConfigurationError);
      expect(await rejection(s.deleteByUser(userId)), userId).toBeInstanceOf(ConfigurationError);
    }
  });
});
