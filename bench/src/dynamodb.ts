/**
 * DynamoDB benchmark: one session read + conditional write through `DynamoDBSessionStore` (GetItem, then
 * UpdateItem with `version = :expected AND expiresAt > :now`), against the very same two requests sent with the
 * raw AWS SDK v3 client (same item layout, same expressions, same client settings). Both against dynalite from
 * services/, same concurrency, one key per worker, measured alternately in the same run. Target: >= 0.9x.
 *
 * Run alone: `npx tsx bench/src/dynamodb.ts [--quick]` (needs `node services/bin/services.mjs up dynalite`).
 */
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
// The SDK warns once per process that its 2027 releases need Node 22; the project pins an earlier release.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { generateSessionId, hashSessionId } from '@sessionkit/core';
import { DynamoDBSessionStore, createSessionTable } from '@sessionkit/dynamodb';
import { endpoints } from '@sessionkit/test-servers';
import { compare, printResults, type BenchResult } from './lib/measure.js';

const TABLE = 'sessionkit_bench_sessions';
const PAYLOAD_BYTES = 1024;
const CONCURRENCY = 16;
const TTL_MS = 30 * 60_000;

/** Runs the DynamoDB comparison. */
export async function runDynamoDBBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const { endpoint, region, credentials } = endpoints.dynamodb;
  const operationTimeoutMs = 5_000;
  const store = new DynamoDBSessionStore({
    endpoint,
    region,
    ...(credentials ? { credentials } : {}),
    tableName: TABLE,
    prefix: `skb-${randomBytes(4).toString('hex')}:`,
    operationTimeoutMs,
  });
  // The raw client is configured exactly like the one the store creates for itself.
  const raw = new DynamoDBClient({
    endpoint,
    region,
    ...(credentials ? { credentials } : {}),
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: operationTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  try {
    await createSessionTable(raw, { tableName: TABLE });
    const payload = randomBytes(PAYLOAD_BYTES);
    const keys = Array.from({ length: CONCURRENCY }, () => hashSessionId(generateSessionId()));
    const rawPrefix = `skb-raw-${randomBytes(4).toString('hex')}:`;
    for (const [i, k] of keys.entries()) {
      const session = { data: payload, version: 1, expiresAt: Date.now() + TTL_MS, userId: `bench-user-${i}` };
      await store.create(k, session);
      // The raw side's items are written by the store too (same layout), under their own prefix.
      const rawSide = new DynamoDBSessionStore({ client: raw, tableName: TABLE, prefix: rawPrefix });
      await rawSide.create(k, session);
    }
    let conflicts = 0;
    const result = await compare(
      {
        name: `DynamoDBSessionStore get + conditional update (${PAYLOAD_BYTES} B, dynalite, c=${CONCURRENCY})`,
        baseline: 'raw SDK v3 GetItem + conditional UpdateItem, same requests',
        target: { min: 0.9, label: '>= 0.9x' },
      },
      async (worker) => {
        const k = keys[worker]!;
        const s = await store.get(k);
        const ok = await store.update(
          k,
          { data: payload, version: s!.version + 1, expiresAt: Date.now() + TTL_MS, userId: s!.userId },
          s!.version,
        );
        if (!ok) conflicts++;
      },
      async (worker) => {
        const pk = rawPrefix + keys[worker]!;
        const got = await raw.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } } }));
        const version = Number(got.Item!.version!.N);
        const expiresAt = Date.now() + TTL_MS;
        await raw.send(
          new UpdateItemCommand({
            TableName: TABLE,
            Key: { pk: { S: pk } },
            UpdateExpression: 'SET #d = :d, #v = :v, #exp = :exp, #ttl = :ttl',
            ConditionExpression: '#v = :expected AND #exp > :now',
            ExpressionAttributeNames: { '#d': 'data', '#v': 'version', '#exp': 'expiresAt', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':d': { B: payload },
              ':v': { N: String(version + 1) },
              ':exp': { N: String(expiresAt) },
              ':ttl': { N: String(Math.ceil(expiresAt / 1000)) },
              ':expected': { N: String(version) },
              ':now': { N: String(Date.now()) },
            },
          }),
        );
      },
      { durationMs: opts.quick ? 1_000 : 4_000, concurrency: CONCURRENCY, rounds: 3 },
    );
    result.notes =
      (conflicts > 0 ? `${conflicts} unexpected conflicts` : 'no conflicts (one key per worker)') +
      '; eventual GetItem; an op = one get + one conditional update (2 requests)';
    for (let i = 0; i < keys.length; i++) await store.deleteByUser(`bench-user-${i}`);
    const rawSide = new DynamoDBSessionStore({ client: raw, tableName: TABLE, prefix: rawPrefix });
    for (let i = 0; i < keys.length; i++) await rawSide.deleteByUser(`bench-user-${i}`);
    return [result];
  } finally {
    await store.close();
    raw.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResults(await runDynamoDBBench({ quick: process.argv.includes('--quick') }));
}
