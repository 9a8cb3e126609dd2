/**
 * An interrupted `sessionkit copy` resumed, the built binary against the real servers (Redis -> Cassandra):
 * a first run stopped by SIGINT (clean stop, checkpoint saved), a second run resumed from it and SIGKILLed
 * mid-way (no chance to save anything more), and a third run resumed to the end. Afterwards every session is
 * on the target exactly once (sessions table, per-user index), the counts add up to the sessions seeded, and a
 * sample of 500 reads back byte for byte.
 */

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionStore } from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointFile } from '../src/copy/checkpoint-file.js';
import {
  type CliRun,
  cassandraRows,
  cassandraStore,
  cassandraUrl,
  copyJson,
  createKeyspace,
  deleteRedisPrefix,
  dropKeyspace,
  expectSameSessions,
  expectUserLists,
  redisStore,
  redisUrl,
  runCli,
  type Seeded,
  sample,
  seed,
  uniqueKeyspace,
  uniquePrefix,
} from './copy-fixtures.js';

const SESSIONS = 40_000;
/** This file's own Redis database (see copy-fixtures.ts). */
const DB = 14;
const prefix = uniquePrefix('resume');
const keyspace = uniqueKeyspace('resume');

let source: SessionStore;
let target: SessionStore;
let seeded: Seeded;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sessionkit-copy-resume-'));
  await createKeyspace(keyspace);
  source = redisStore(DB, prefix);
  seeded = await seed(source, SESSIONS);
  target = await cassandraStore(keyspace);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([source?.close(), target?.close()]);
  await deleteRedisPrefix(DB, prefix);
  await dropKeyspace(keyspace);
  await rm(dir, { recursive: true, force: true });
}, 120_000);

/** The checkpoint file's content, or undefined while there is none. */
async function checkpoint(path: string): Promise<CheckpointFile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CheckpointFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error; // a torn file would land here: the writes are atomic, so it must not
  }
}

/** Runs the copy and sends `signal` once the checkpoint says at least `copied` sessions were copied. */
function copyUntil(args: string[], path: string, copied: number, signal: NodeJS.Signals): Promise<CliRun> {
  return runCli(args, (child: ChildProcess) => {
    const timer = setInterval(async () => {
      const file = await checkpoint(path).catch(() => undefined);
      if (file && file.position.counts.copied >= copied) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 25);
    child.on('close', () => clearInterval(timer));
  });
}

describe('sessionkit copy, interrupted and resumed', () => {
  it('SIGINT, then SIGKILL, then --resume: every session on the target exactly once, counts adding up', async () => {
    const path = join(dir, 'copy.checkpoint.json');
    const args = [
      'copy',
      '--from',
      redisUrl(DB, prefix),
      '--to',
      cassandraUrl(keyspace),
      '--checkpoint',
      path,
      '--json',
    ];

    // 1. A clean stop: in-flight writes finish, the checkpoint holds the final counts of the run.
    const first = await copyUntil(args, path, SESSIONS * 0.2, 'SIGINT');
    const firstJson = copyJson(first);
    expect(first.code, first.stderr).toBe(1);
    expect(firstJson.outcome).toBe('interrupted');
    const afterFirst = await checkpoint(path);
    expect(afterFirst!.position.done).toBe(false);
    expect(afterFirst!.position.counts).toEqual(firstJson.counts);
    expect(firstJson.counts.copied).toBeGreaterThanOrEqual(SESSIONS * 0.2);
    expect(firstJson.counts.copied).toBeLessThan(SESSIONS);

    // Not resuming over an existing checkpoint is refused (usage error), the file left as it was.
    const refused = await runCli(args);
    expect(refused.code).toBe(2);
    expect(await checkpoint(path)).toEqual(afterFirst);

    // 2. A crash: SIGKILL, nothing saved beyond the last page-boundary checkpoint.
    const second = await copyUntil([...args, '--resume'], path, SESSIONS * 0.55, 'SIGKILL');
    expect(second.signal).toBe('SIGKILL');
    const afterKill = await checkpoint(path);
    expect(afterKill!.position.done).toBe(false);
    expect(afterKill!.position.counts.copied).toBeGreaterThanOrEqual(SESSIONS * 0.55);

    // 3. Resumed to the end.
    const third = await runCli([...args, '--resume']);
    const json = copyJson(third);
    expect(third.code, third.stderr).toBe(0);
    expect(json.outcome).toBe('completed');
    const { copied, skippedExisting, skippedExpired, failed } = json.counts;
    expect(skippedExpired + failed).toBe(0);
    expect(copied + skippedExisting).toBe(SESSIONS);
    // What the stopped runs wrote after their last checkpoint was found on the target, not written twice.
    expect(json.differing).toBe(0);
    console.log(
      `[figures] resumed copy: run 1 (SIGINT) ${firstJson.counts.copied} copied; run 2 SIGKILLed at ${afterKill!.position.counts.copied} checkpointed; run 3 copied ${json.run.copied}; ${skippedExisting} found already written (after a checkpoint of runs 1-2)`,
    );

    const rows = await cassandraRows(keyspace);
    expect(rows.sessions.length).toBe(SESSIONS);
    expect(new Set(rows.sessions).size).toBe(SESSIONS);
    expect(rows.indexEntries).toBe(SESSIONS - seeded.anonymous);
    await expectSameSessions(source, target, sample(seeded.keys, 500));
    await expectUserLists(target, seeded, sample([...seeded.perUser.keys()], 300));

    // 4. Resuming a finished copy does nothing and reports the same counts.
    const again = await runCli([...args, '--resume']);
    const againJson = copyJson(again);
    expect(again.code).toBe(0);
    expect(againJson.outcome).toBe('completed');
    expect(againJson.counts).toEqual(json.counts);
    expect(againJson.run.settled).toBe(0);
  }, 480_000);
});
