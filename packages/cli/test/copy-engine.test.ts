/**
 * The copy engine (`src/copy/`) in process, on MemoryStores: counts, expiry, existing and differing records,
 * interruption and resume through the checkpoint file, pacing, failures, and the refusal of a source without
 * scan. The real servers and the built binary are exercised by copy-cassandra, copy-tiered and copy-resume.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryStore,
  PayloadTooLargeError,
  type SessionStore,
  type StoredSession,
  StoreUnavailableError,
} from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../src/copy/checkpoint-file.js';
import { copySessions } from '../src/copy/copy-sessions.js';
import { CheckpointError, SourceNotEnumerableError } from '../src/copy/errors.js';
import type { CopyPosition } from '../src/copy/types.js';

const HOUR = 3_600_000;

function record(i: number, extra: Partial<StoredSession> = {}): StoredSession {
  return {
    data: new TextEncoder().encode(JSON.stringify({ i, cart: [i, i + 1] })),
    version: 1 + (i % 3),
    expiresAt: Date.now() + HOUR + i,
    userId: `user-${i % 50}`,
    ...extra,
  };
}

async function seeded(n: number): Promise<MemoryStore> {
  const store = new MemoryStore({ name: 'memory source' });
  for (let i = 0; i < n; i++) await store.create(`key-${i}`, record(i));
  return store;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sessionkit-copy-engine-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('copySessions', () => {
  it('copies every record with its data, version, expiresAt and userId, and fills the per-user index', async () => {
    const from = await seeded(1_000);
    const to = new MemoryStore({ name: 'memory target' });
    const result = await copySessions(from, to, { pageSize: 97, concurrency: 8 });
    expect(result.outcome).toBe('completed');
    expect(result.counts).toEqual({ copied: 1_000, skippedExpired: 0, skippedExisting: 0, failed: 0 });
    expect(result.position.done).toBe(true);
    for (let i = 0; i < 1_000; i += 37) {
      const source = await from.get(`key-${i}`);
      expect(await to.get(`key-${i}`)).toEqual(source);
    }
    const listed = await to.listByUser('user-7');
    expect(listed).toHaveLength(20);
    expect(new Set(listed.map((e) => e.key)).size).toBe(20);
  });

  it('skips records expired before their write, and existing ones, reporting those that differ', async () => {
    const t0 = Date.now();
    // The source lists everything as live (its clock stays at t0); the engine's clock is 20 s later, past the
    // deadline of key-0..2: those are skipped-expired and never written.
    const from = new MemoryStore({ name: 'memory source', clock: { now: () => t0 } });
    for (let i = 0; i < 10; i++) await from.create(`key-${i}`, record(i, { expiresAt: t0 + (i < 3 ? 10_000 : HOUR) }));
    const to = new MemoryStore({ name: 'memory target' });
    await to.create('key-5', (await from.get('key-5'))!); // the same record: existing
    await to.create('key-6', { ...(await from.get('key-6'))!, version: 9 }); // another version: existing, differing
    const result = await copySessions(from, to, { now: () => t0 + 20_000, pageSize: 3, concurrency: 2 });
    expect(result.outcome).toBe('completed');
    expect(result.counts).toEqual({ copied: 5, skippedExpired: 3, skippedExisting: 2, failed: 0 });
    expect(result.differing).toBe(1);
    expect(await to.get('key-0')).toBeNull();
    expect((await to.get('key-6'))?.version).toBe(9);
    expect(await to.get('key-9')).toEqual(await from.get('key-9'));
  });

  it('stops on the signal with every finished page checkpointed, and a resumed run copies each record once', async () => {
    const n = 5_000;
    const from = await seeded(n);
    const to = new MemoryStore({ name: 'memory target' });
    const path = join(dir, 'resume.json');
    const stores = { from: 'memory://a', to: 'memory://b' };
    const saved: CopyPosition[] = [];
    const controller = new AbortController();
    let creates = 0;
    const counting: SessionStore = Object.create(to, {
      create: {
        value: async (key: string, s: StoredSession) => {
          if (++creates === 2_000) controller.abort();
          return to.create(key, s);
        },
      },
    });
    const first = await copySessions(from, counting, {
      pageSize: 100,
      concurrency: 16,
      signal: controller.signal,
      onCheckpoint: async (p) => {
        saved.push(p);
        await writeCheckpoint(path, stores, p);
      },
    });
    expect(first.outcome).toBe('interrupted');
    expect(first.position.done).toBe(false);
    // Positions only move forward, and the counts of the last one are the result's.
    for (let i = 1; i < saved.length; i++) expect(saved[i]!.pages).toBeGreaterThanOrEqual(saved[i - 1]!.pages);
    expect(first.counts).toEqual(saved.at(-1)!.counts);
    expect(first.counts.copied).toBeLessThanOrEqual(first.copiedThisRun);

    const position = await readCheckpoint(path, stores);
    expect(position).toEqual(first.position);
    const second = await copySessions(from, to, { pageSize: 100, concurrency: 16, resume: position! });
    expect(second.outcome).toBe('completed');
    const { copied, skippedExisting, skippedExpired, failed } = second.counts;
    expect(skippedExpired + failed).toBe(0);
    expect(copied + skippedExisting).toBe(n);
    // Each record was written once over the two runs; those the first run wrote after its last checkpoint are
    // skipped-existing in the second.
    expect(first.copiedThisRun + second.copiedThisRun).toBe(n);
    expect(copied).toBe(first.counts.copied + second.copiedThisRun);
    expect(skippedExisting).toBe(first.copiedThisRun - first.counts.copied);
    // Every record exactly once on the target.
    let listed = 0;
    let cursor: string | undefined;
    const keys = new Set<string>();
    do {
      const page = await to.scan({ cursor, limit: 1000 });
      for (const e of page.entries) keys.add(e.key);
      listed += page.entries.length;
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(listed).toBe(n);
    expect(keys.size).toBe(n);
    expect((await to.listByUser('user-3')).length).toBe(n / 50);
  });

  it('refuses a checkpoint written for other stores, and a malformed one', async () => {
    const path = join(dir, 'other.json');
    const position: CopyPosition = {
      cursor: 'x',
      done: false,
      counts: { copied: 1, skippedExpired: 0, skippedExisting: 0, failed: 0 },
      differing: 0,
      pages: 1,
      elapsedMs: 5,
    };
    await writeCheckpoint(path, { from: 'redis://a', to: 'cassandra://b/ks' }, position);
    await expect(readCheckpoint(path, { from: 'redis://a', to: 'cassandra://c/ks' })).rejects.toThrow(CheckpointError);
    expect(await readCheckpoint(path, { from: 'redis://a', to: 'cassandra://b/ks' })).toEqual(position);
    expect(await readCheckpoint(join(dir, 'missing.json'), { from: 'a', to: 'b' })).toBeUndefined();
    const text = await readFile(path, 'utf8');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, text.replace('"copied": 1', '"copied": -1'));
    await expect(readCheckpoint(path, { from: 'redis://a', to: 'cassandra://b/ks' })).rejects.toThrow(/not a/);
  });

  it('paces the writes to --rate', async () => {
    const from = await seeded(300);
    const to = new MemoryStore({ name: 'memory target' });
    const started = performance.now();
    const result = await copySessions(from, to, { rate: 1_000, concurrency: 32, pageSize: 50 });
    const seconds = (performance.now() - started) / 1000;
    expect(result.counts.copied).toBe(300);
    // 300 writes at 1,000/s take at least ~0.3 s; unpaced they take a few ms.
    expect(seconds).toBeGreaterThan(0.25);
    expect(seconds).toBeLessThan(5);
  });

  it('counts records the target refuses for good, and aborts when the target stays unavailable', async () => {
    const from = await seeded(200);
    const to = new MemoryStore({ name: 'memory target' });
    const refusing: SessionStore = Object.create(to, {
      create: {
        value: async (key: string, s: StoredSession) => {
          if (key.endsWith('7')) throw new PayloadTooLargeError(10, 5, { store: 'memory target', operation: 'create' });
          return to.create(key, s);
        },
      },
    });
    const result = await copySessions(from, refusing, { pageSize: 40 });
    expect(result.outcome).toBe('completed');
    expect(result.counts.failed).toBe(20);
    expect(result.failures).toEqual({ PAYLOAD_TOO_LARGE: 20 });
    expect(result.counts.copied).toBe(180);

    let calls = 0;
    const down: SessionStore = Object.create(to, {
      create: {
        value: async () => {
          calls++;
          throw new StoreUnavailableError('connection refused', { store: 'memory target', operation: 'create' });
        },
      },
    });
    const aborted = await copySessions(from, down, { pageSize: 40, concurrency: 2, retries: 2 });
    expect(aborted.outcome).toBe('aborted');
    expect(aborted.error).toBeInstanceOf(StoreUnavailableError);
    // Nothing counted as failed: the unsettled records are copied again by a resumed run.
    expect(aborted.counts).toEqual({ copied: 0, skippedExpired: 0, skippedExisting: 0, failed: 0 });
    expect(aborted.position.cursor).toBeNull();
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('refuses a source without scan with a typed error naming it', async () => {
    const to = new MemoryStore();
    const noScan: SessionStore = Object.create(new MemoryStore({ name: 'memcached' }), {
      capabilities: { value: { ...new MemoryStore().capabilities, scan: false } },
    });
    await expect(copySessions(noScan, to)).rejects.toThrow(SourceNotEnumerableError);
    await expect(copySessions(noScan, to)).rejects.toThrow(/memcached cannot be enumerated/);
  });
});
