/**
 * Codec cost: µs per encode + decode of a 1 KiB session (realistic JSON attributes) for `jsonCodec` alone,
 * JSON + AES-256-GCM, JSON + deflate + AES-256-GCM and JSON + deflate, side by side in one run, plus the floor
 * any AES-256-GCM layer has on this Node: node:crypto encrypting and decrypting the same JSON bytes with nothing
 * around it.
 *
 * Target (issue 20): the encryption layer adds at most 5 µs per encode + decode. "Adds" is the cost of
 * `sessionCodec({ encryption, compression: false })` minus the cost of `jsonCodec` in the same round, so it
 * counts everything the layer does (IV, header, associated data, cipher, copies) and nothing the JSON codec
 * does. Compression is a separate, optional cost and is reported on its own row.
 *
 * Each operation is a few µs of pure CPU, so it is timed in batches: every round runs a batch of each variant
 * back to back (the order rotating from round to round) after a garbage collection, and each figure is the
 * median over the rounds; the added cost is the median of the per-round differences, so a burst of other work
 * on the machine spoils one round's pair rather than one side.
 *
 * Run alone: `node --expose-gc --import tsx bench/src/codec.ts [--quick]` (or `npx tsx bench/src/codec.ts`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Codec, CodecContext, SessionRecord } from '@sessionkit/core';
import { generateSessionId, hashSessionId, jsonCodec, sessionCodec } from '@sessionkit/core';
import { sampleSessionData } from './core.js';
import { medianOf } from './lib/measure.js';

/** The encryption layer's target: at most this many µs added per encode + decode over `jsonCodec`. */
const TARGET_ADDED_US = 5;

/** One measured variant. */
export interface CodecRow {
  /** What is measured. */
  name: string;
  /** Median µs per encode + decode over the rounds. */
  us: number;
  /** Fastest round, µs. */
  minUs: number;
  /**
   * Median over the rounds of this row's µs minus jsonCodec's in the same round: what the layers on top of JSON
   * add. Absent for jsonCodec itself and for the floor (which does no JSON).
   */
  addedUs?: number;
  /** Bytes stored per record (for the floor: ciphertext + IV + tag). */
  storedBytes: number;
}

/** What {@link runCodecBench} reports. */
export interface CodecReport {
  /** Bytes of the session as `jsonCodec` writes it. */
  sessionBytes: number;
  rounds: number;
  /** Encode + decode pairs per batch. */
  batch: number;
  rows: CodecRow[];
  /** The encryption layer's added cost: {@link CodecRow.addedUs} of JSON + AES-256-GCM, µs. */
  addedUs: number;
  /** The node:crypto floor row's median, µs (what any AES-256-GCM layer costs at least). */
  floorUs: number;
  target: { label: string; met: boolean };
}

/** A realistic session of about 1 KiB as JSON: the core benchmark's session plus recently viewed pages. */
export function codecSessionData(): Record<string, unknown> {
  return {
    ...sampleSessionData(),
    recentlyViewed: Array.from({ length: 5 }, (_, i) => `/products/sku-${2000 + i}/organic-cotton-shirt`),
  };
}

/**
 * Encrypts and decrypts `plain` with node:crypto AES-256-GCM and nothing else; returns the stored size. The IV
 * is fixed (nothing is stored; this times the cipher alone, not the drawing of random IVs).
 */
function gcmFloor(key: Buffer, aad: Buffer, plain: Uint8Array): () => number {
  const iv = randomBytes(12);
  return () => {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const body = cipher.update(plain);
    cipher.final();
    const tag = cipher.getAuthTag();
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    decipher.update(body);
    decipher.final();
    return iv.length + body.length + tag.length;
  };
}

/** An encode + decode of `record` through `codec`; returns the stored size. */
function roundTrip(codec: Codec, record: SessionRecord, context: CodecContext): () => number {
  return () => {
    const bytes = codec.encode(record, context);
    codec.decode(bytes, context);
    return bytes.byteLength;
  };
}

/** Runs the codec comparison (see the module notes). */
export async function runCodecBench(opts: { quick: boolean }): Promise<CodecReport> {
  const rounds = opts.quick ? 15 : 61;
  const batch = 2_000;
  const record: SessionRecord = { createdAt: Date.now(), attributes: codecSessionData() };
  const context: CodecContext = { key: hashSessionId(generateSessionId()) };
  const keys = [{ id: 'k1', key: randomBytes(32) }];
  const plain = jsonCodec.encode(record);
  // The first variant is the baseline of every "added" figure; the last one does no JSON.
  const variants: { name: string; run: () => number }[] = [
    { name: 'jsonCodec', run: roundTrip(jsonCodec, record, context) },
    {
      name: 'JSON + AES-256-GCM',
      run: roundTrip(sessionCodec({ encryption: { keys }, compression: false }), record, context),
    },
    { name: 'JSON + deflate + AES-256-GCM', run: roundTrip(sessionCodec({ encryption: { keys } }), record, context) },
    { name: 'JSON + deflate', run: roundTrip(sessionCodec({ compression: {} }), record, context) },
    {
      name: 'floor: node:crypto AES-256-GCM alone on the JSON bytes (no codec)',
      run: gcmFloor(randomBytes(32), Buffer.from(`\x01\x02k1${context.key}`), plain),
    },
  ];
  const floor = variants.length - 1;
  const perRound = variants.map(() => [] as number[]);
  const sizes = variants.map((v) => v.run());
  for (let i = 0; i < batch; i++) for (const v of variants) v.run(); // warm-up: optimized code before the first round
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const index = (k + round) % variants.length;
      (globalThis as { gc?: () => void }).gc?.();
      const run = variants[index]!.run;
      const started = performance.now();
      for (let i = 0; i < batch; i++) run();
      perRound[index]!.push(((performance.now() - started) * 1000) / batch);
    }
    // Let timers and I/O of a runner in the same process through between rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const rows = variants.map((v, i): CodecRow => {
    const row: CodecRow = {
      name: v.name,
      us: medianOf(perRound[i]!),
      minUs: Math.min(...perRound[i]!),
      storedBytes: sizes[i]!,
    };
    if (i > 0 && i < floor) row.addedUs = medianOf(perRound[i]!.map((us, round) => us - perRound[0]![round]!));
    return row;
  });
  const addedUs = rows[1]!.addedUs!;
  return {
    sessionBytes: plain.byteLength,
    rounds,
    batch,
    rows,
    addedUs,
    floorUs: rows[floor]!.us,
    target: {
      label: `encryption layer adds <= ${TARGET_ADDED_US} µs per encode + decode (1 KiB session) over jsonCodec`,
      met: addedUs <= TARGET_ADDED_US,
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runCodecBench({ quick: process.argv.includes('--quick') });
  console.log(
    `session: ${report.sessionBytes} bytes of JSON; ${report.rounds} rounds of ${report.batch} encode + decode per variant`,
  );
  console.table(
    report.rows.map((r) => ({
      variant: r.name,
      'µs median': r.us.toFixed(2),
      'µs fastest round': r.minUs.toFixed(2),
      'µs added over jsonCodec': r.addedUs?.toFixed(2) ?? '',
      'stored bytes': r.storedBytes,
    })),
  );
  console.log(`${report.target.label}: ${report.target.met ? 'met' : 'NOT met'}`);
}
