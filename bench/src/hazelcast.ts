/**
 * Hazelcast benchmark: one session read + compare-and-set update through `HazelcastSessionStore` (get, then
 * update with the version just read) against the same raw IMap calls a hand-written client makes for a
 * correct sliding-TTL CAS: `get`, `replaceIfSame(key, old, new)` and `setTtl` (the Node client's
 * replaceIfSame takes no TTL and the member drops the entry's TTL on replace). Same 2-member cluster, same
 * payload, same concurrency, one key per worker, measured alternately in the same run. Target: >= 0.9x.
 *
 * Two informative rows without a target: the adapter against raw get + replaceIfSame with no TTL handling
 * (what skipping the TTL would save), and the value encoding (Compact generic record vs a JSON value with a
 * base64 payload) for a set + get round trip.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { generateSessionId, hashSessionId } from '@sessionkit/core';
import { HazelcastSessionStore, encodeRecord } from '@sessionkit/hazelcast';
import { endpoints } from '@sessionkit/test-servers';
import { Client, HazelcastJsonValue, type GenericRecord } from 'hazelcast-client';
import { compare, printResults, type BenchResult } from './lib/measure.js';

const PAYLOAD_BYTES = 1024;
const CONCURRENCY = 32;
const TTL_MS = 30 * 60_000;
const MAP = 'sessionkit-bench';

// Both sides build the same Compact value (the adapter's encoder), so the ratio measures the store's own
// overhead: validation, deadline, CAS cache, expiry filter, copies.
const rawRecord = (data: Buffer, version: number, expiresAt: number, userId: string | null): GenericRecord =>
  encodeRecord({ data, version, expiresAt, userId: userId ?? undefined }).raw;

/** Runs the Hazelcast comparisons. */
export async function runHazelcastBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const { members, clusterName } = endpoints.hazelcast;
  const client = await Client.newHazelcastClient({
    clusterName,
    network: { clusterMembers: members },
    properties: { 'hazelcast.logging.level': 'ERROR' },
  });
  const prefix = `skb-${randomBytes(4).toString('hex')}:`;
  const store = await HazelcastSessionStore.connect({ client, mapName: MAP, prefix });
  const map = await client.getMap<string, unknown>(MAP);
  const options = { durationMs: opts.quick ? 500 : 2000, concurrency: CONCURRENCY, rounds: 3 };
  const results: BenchResult[] = [];
  try {
    const payload = randomBytes(PAYLOAD_BYTES);
    const keys = Array.from({ length: CONCURRENCY }, () => hashSessionId(generateSessionId()));
    const rawKeys = keys.map((k) => `${prefix}raw:${k}`);
    for (const [i, k] of keys.entries()) {
      await store.create(k, { data: payload, version: 1, expiresAt: Date.now() + TTL_MS, userId: `bench-user-${i}` });
      await map.set(rawKeys[i]!, rawRecord(payload, 1, Date.now() + TTL_MS, `bench-user-${i}`), TTL_MS);
    }
    let conflicts = 0;
    const subject = async (worker: number) => {
      const k = keys[worker]!;
      const s = await store.get(k);
      const ok = await store.update(k, { data: payload, version: s!.version + 1, expiresAt: Date.now() + TTL_MS }, s!.version);
      if (!ok) conflicts++;
    };
    const rawCas = (withTtl: boolean) => async (worker: number) => {
      const k = rawKeys[worker]!;
      const old = (await map.get(k)) as GenericRecord;
      const expiresAt = Date.now() + TTL_MS;
      const next = rawRecord(payload, old.getFloat64('version') + 1, expiresAt, old.getString('userId'));
      if (!(await map.replaceIfSame(k, old, next))) conflicts++;
      else if (withTtl) await map.setTtl(k, expiresAt - Date.now());
    };
    const main = await compare(
      {
        name: `HazelcastSessionStore get + CAS update (${PAYLOAD_BYTES} B, 2 members, c=${CONCURRENCY})`,
        baseline: 'raw IMap get + replaceIfSame + setTtl, same payload',
        target: { min: 0.9, label: '>= 0.9x' },
      },
      subject,
      rawCas(true),
      options,
    );
    main.notes = conflicts > 0 ? `${conflicts} unexpected CAS conflicts` : 'no CAS conflicts (one key per worker)';
    results.push(main);

    const noTtl = await compare(
      {
        name: 'HazelcastSessionStore get + CAS update (same as above)',
        baseline: 'raw IMap get + replaceIfSame only (entry left without TTL: not a correct store)',
        notes: 'informative: the cost of re-applying the TTL after replaceIfSame',
      },
      subject,
      rawCas(false),
      options,
    );
    results.push(noTtl);

    // Value encoding: set + get + decode of one record, Compact generic record vs JSON with base64 data.
    const jsonKeys = keys.map((k) => `${prefix}json:${k}`);
    const compactKeys = keys.map((k) => `${prefix}compact:${k}`);
    let checksum = 0;
    const encoding = await compare(
      {
        name: `Compact record set + get (${PAYLOAD_BYTES} B binary payload, c=${CONCURRENCY})`,
        baseline: 'HazelcastJsonValue set + get (payload as base64, JSON.parse on read)',
        notes: 'informative: why records are Compact (binary-safe, no base64 inflation, still queryable)',
      },
      async (worker) => {
        const k = compactKeys[worker]!;
        await map.set(k, rawRecord(payload, 1, Date.now() + TTL_MS, 'u'), TTL_MS);
        const got = (await map.get(k)) as GenericRecord;
        checksum += got.getArrayOfInt8('data')!.byteLength;
      },
      async (worker) => {
        const k = jsonKeys[worker]!;
        const json = JSON.stringify({ data: payload.toString('base64'), version: 1, expiresAt: Date.now() + TTL_MS, userId: 'u' });
        await map.set(k, new HazelcastJsonValue(json), TTL_MS);
        // The client parses JSON values on read by default (eager deserialization policy).
        const got = (await map.get(k)) as { data: string };
        checksum += Buffer.from(got.data, 'base64').byteLength;
      },
      options,
    );
    if (checksum <= 0) throw new Error('encoding benchmark read nothing');
    results.push(encoding);

    for (const k of keys) await store.delete(k);
    for (const k of [...rawKeys, ...jsonKeys, ...compactKeys]) await map.delete(k);
    return results;
  } finally {
    await store.close();
    await client.shutdown();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResults(await runHazelcastBench({ quick: process.argv.includes('--quick') }));
}
