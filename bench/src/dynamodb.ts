/**
 * DynamoDB benchmark: one session read + conditional write through `DynamoDBSessionStore` (GetItem, then
 * UpdateItem with `version = :expected AND expiresAt > :now`), against the very same two requests sent with the
 * raw AWS SDK v3 client (same item layout, same expressions, same client settings). Both against dynalite from
 * services/, same concurrency, one key per worker, measured in alternating short rounds in the same run.
 * Target: >= 0.9x.
 *
 * Run alone: `npx tsx bench/src/dynamodb.ts [--quick]` (needs `node services/bin/services.mjs up dynalite`).
 */

import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { generateSessionId, hashSessionId } from '@sessionkit/core';
import { createSessionTable, DynamoDBSessionStore } from '@sessionkit/dynamodb';
import { endpoints } from '@sessionkit/test-servers';
import { type BenchResult, type Measurement, measure, printResults } from './lib/measure.js';
import { getAndUpdate } from './lib/store-operations.js';

const TABLE = 'sessionkit_bench_sessions';
const PAYLOAD_BYTES = 1024;
const CONCURRENCY = 16;
const TTL_MS = 30 * 60_000;
const OPERATION_TIMEOUT_MS = 5_000;

/** Runs the DynamoDB comparison. */
export async function runDynamoDBBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  // The SDK warns once per process that its 2027 releases need Node 22; the project pins an earlier release.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { endpoint, region, credentials } = endpoints.dynamodb;
  const connection = { endpoint, region, ...(credentials ? { credentials } : {}) };
  const store = new DynamoDBSessionStore({
    ...connection,
    tableName: TABLE,
    keyPrefix: `skb-${randomBytes(4).toString('hex')}:`,
    operationTimeoutMs: OPERATION_TIMEOUT_MS,
  });
  // Configured exactly like the client the store creates for itself.
  const raw = new DynamoDBClient({
    ...connection,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: OPERATION_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  // The raw side's items are written in the same layout (by a store on the raw client) under their own prefix.
  const rawPrefix = `skb-raw-${randomBytes(4).toString('hex')}:`;
  const rawSide = new DynamoDBSessionStore({ client: raw, tableName: TABLE, keyPrefix: rawPrefix });
  const users = Array.from({ length: CONCURRENCY }, (_, i) => `bench-user-${i}`);
  try {
    await createSessionTable(raw, { tableName: TABLE });
    const payload = randomBytes(PAYLOAD_BYTES);
    const keys = Array.from({ length: CONCURRENCY }, () => hashSessionId(generateSessionId()));
    for (const [i, k] of keys.entries()) {
      const session = { data: payload, version: 1, expiresAt: Date.now() + TTL_MS, userId: users[i] };
      await store.create(k, session);
      await rawSide.create(k, session);
    }

    let conflicts = 0;
    // A failed call is counted and reported rather than fatal (a loaded shared machine can make dynalite slow
    // enough to hit a timeout); both sides count the same way, and the notes show any failure.
    const failures = { store: new Map<string, number>(), raw: new Map<string, number>() };
    const count = (side: Map<string, number>, error: unknown): void => {
      const label = error instanceof Error ? `${error.name}: ${error.message.slice(0, 60)}` : String(error);
      side.set(label, (side.get(label) ?? 0) + 1);
    };

    const viaStore = async (worker: number): Promise<void> => {
      if (!(await getAndUpdate(store, keys[worker]!, payload, TTL_MS))) conflicts++;
    };
    const viaRawSdk = async (worker: number): Promise<void> => {
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
    };

    // Many short alternating rounds, totals compared (not best-of): on a shared machine the load changes from
    // second to second, and fine alternation spreads it evenly over both sides. Each side idles for about one
    // round while the other runs, well under dynalite's 5 s keep-alive timeout (longer idle periods let the
    // server close pooled sockets, and the next requests fail with resets).
    const rounds = opts.quick ? 4 : 12;
    const options = { durationMs: opts.quick ? 500 : 1_000, concurrency: CONCURRENCY };
    const subject: Measurement[] = [];
    const baseline: Measurement[] = [];
    // Client CPU per operation (this process only: dynalite runs in its own): much less sensitive to a noisy
    // machine than throughput, and exactly what the adapter adds.
    const cpu = { store: { us: 0, ops: 0 }, raw: { us: 0, ops: 0 } };
    const timed = async (side: 'store' | 'raw'): Promise<Measurement> => {
      const op =
        side === 'store'
          ? (w: number) => viaStore(w).catch((e: unknown) => count(failures.store, e))
          : (w: number) => viaRawSdk(w).catch((e: unknown) => count(failures.raw, e));
      const before = process.cpuUsage();
      const m = await measure(op, options);
      const used = process.cpuUsage(before);
      // measure() runs a warm-up of a quarter of the window first: count its operations too (approximately).
      cpu[side].us += used.user + used.system;
      cpu[side].ops += m.ops * 1.25;
      return m;
    };
    for (let round = 0; round < rounds; round++) {
      const first = round % 2 === 0;
      if (first) baseline.push(await timed('raw'));
      subject.push(await timed('store'));
      if (!first) baseline.push(await timed('raw'));
    }
    const total = (ms: Measurement[]): number => ms.reduce((sum, m) => sum + m.opsPerSec, 0) / ms.length;
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const ratio = total(subject) / total(baseline);
    const result: BenchResult = {
      name: `DynamoDBSessionStore get + conditional update (${PAYLOAD_BYTES} B, dynalite, c=${CONCURRENCY})`,
      baseline: 'raw SDK v3 GetItem + conditional UpdateItem, same requests',
      opsPerSec: total(subject),
      baselineOpsPerSec: total(baseline),
      ratio,
      target: '>= 0.9x',
      met: ratio >= 0.9,
      p50Ms: median(subject.map((m) => m.p50Ms)),
      p99Ms: median(subject.map((m) => m.p99Ms)),
      baselineP50Ms: median(baseline.map((m) => m.p50Ms)),
      baselineP99Ms: median(baseline.map((m) => m.p99Ms)),
    };
    const failed = (m: Map<string, number>): string =>
      [...m].map(([label, n]) => `${n}x ${label}`).join(', ') || 'none';
    result.notes =
      (conflicts > 0 ? `${conflicts} unexpected conflicts` : 'no conflicts (one key per worker)') +
      `; eventual GetItem; one op = get + conditional update (2 requests); mean of ${rounds} alternating rounds` +
      `; client CPU per op: store ${(cpu.store.us / cpu.store.ops).toFixed(0)} µs, raw SDK ${(cpu.raw.us / cpu.raw.ops).toFixed(0)} µs` +
      `; failed ops: store ${failed(failures.store)}, raw ${failed(failures.raw)}`;
    for (const user of users) {
      await store.deleteByUser(user);
      await rawSide.deleteByUser(user);
    }
    return [result];
  } finally {
    await store.close();
    await rawSide.close();
    raw.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runDynamoDBBench({ quick: process.argv.includes('--quick') });
  printResults(results);
  for (const r of results) if (r.notes) console.log(`${r.name}: ${r.notes}`);
}
