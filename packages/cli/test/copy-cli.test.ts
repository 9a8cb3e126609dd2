/**
 * `sessionkit copy`'s command-line behaviour, the built binary against the real servers (Redis -> Redis, two
 * databases): `--rate` honoured, the progress lines and summary of a run without a TTY, a second run finding
 * everything existing and reporting a session that differs, exit codes for a source that cannot be enumerated
 * (memcached), bad arguments and an unreachable store, and no key ever printed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionStore } from '@sessionkit/core';
import { closedPort, endpoints } from '@sessionkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  copyJson,
  deleteRedisPrefix,
  redisStore,
  redisUrl,
  runCli,
  type Seeded,
  seed,
  uniquePrefix,
} from './copy-fixtures.js';

const SESSIONS = 3_000;
/** This file's own Redis databases (see copy-fixtures.ts). */
const SOURCE_DB = 15;
const TARGET_DB = 10;
const prefix = uniquePrefix('cli');

/** Whether script(1) (util-linux, part of every Debian base system) is there to run the binary on a pty. */
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let source: SessionStore;
let target: SessionStore;
let seeded: Seeded;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sessionkit-copy-cli-'));
  source = redisStore(SOURCE_DB, prefix);
  target = redisStore(TARGET_DB, prefix);
  seeded = await seed(source, SESSIONS);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([source?.close(), target?.close()]);
  await Promise.all([deleteRedisPrefix(SOURCE_DB, prefix), deleteRedisPrefix(TARGET_DB, prefix)]);
  await rm(dir, { recursive: true, force: true });
});

describe('sessionkit copy (command line)', () => {
  it('honours --rate, shows plain progress lines without a TTY and a readable summary, never a key', async () => {
    const run = await runCli([
      'copy',
      '--from',
      redisUrl(SOURCE_DB, prefix),
      '--to',
      redisUrl(TARGET_DB, prefix),
      '--rate',
      '1000',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // 3,000 writes at 1,000/s: about 3 s; unpaced this copy takes well under a second.
    expect(run.ms).toBeGreaterThan(2_400);
    expect(run.ms).toBeLessThan(60_000);
    expect(run.stdout).toContain('copy completed');
    expect(run.stdout).toMatch(/copied\s+3,000/);
    expect(run.stdout).toMatch(/skipped-expired\s+0/);
    expect(run.stdout).toMatch(/skipped-existing\s+0/);
    expect(run.stdout).toMatch(/failed\s+0/);
    // Not a TTY: plain lines (at least the final one), no carriage-return redraws.
    expect(run.stderr).toMatch(/^copy: 3,000 sessions \(copied 3,000, /m);
    expect(run.stderr).not.toContain('\r');
    const rate = Number(/this run: .* ([\d,]+)\/s/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(1_100);
    for (const key of seeded.keys.slice(0, 50)) expect(run.stdout + run.stderr).not.toContain(key);
  }, 90_000);

  it('a second run finds every session on the target (skipped-existing) and reports one that differs', async () => {
    const key = seeded.keys[7]!;
    const stored = (await target.get(key))!;
    expect(await target.update(key, { ...stored, version: stored.version + 1 }, stored.version)).toBe(true);
    const run = await runCli([
      'copy',
      '--from',
      redisUrl(SOURCE_DB, prefix),
      '--to',
      redisUrl(TARGET_DB, prefix),
      '--json',
    ]);
    const json = copyJson(run);
    expect(run.code, run.stderr).toBe(0);
    expect(json.counts).toEqual({ copied: 0, skippedExpired: 0, skippedExisting: SESSIONS, failed: 0 });
    expect(json.differing).toBe(1);
    // Never overwritten.
    expect((await target.get(key))!.version).toBe(stored.version + 1);
  }, 60_000);

  it.skipIf(!hasScript)(
    'draws a progress bar redrawn in place on a terminal (script(1) gives it a pty)',
    async () => {
      const args = ['copy', '--from', redisUrl(SOURCE_DB, prefix), '--to', redisUrl(TARGET_DB, prefix)];
      const command = [process.execPath, BIN, ...args, '--expect', String(SESSIONS), '--rate', '3000']
        .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
        .join(' ');
      const run = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        execFile('script', ['-qefc', command, '/dev/null'], { timeout: 60_000 }, (error, stdout) => {
          if (error && typeof error.code !== 'number') reject(error);
          else resolve({ code: error ? (error.code as number) : 0, out: stdout });
        });
      });
      expect(run.code, run.out).toBe(0);
      // Redrawn in place (carriage return, erase line), with a percentage of --expect, ending at 100 %.
      expect(run.out).toContain('\r\u001b[2K[');
      expect(run.out).toMatch(/\[2K\[[#.]{24}\] +\d+% /);
      expect(run.out).toContain(`100% ${SESSIONS.toLocaleString('en-US')}/${SESSIONS.toLocaleString('en-US')}`);
      expect(run.out).toContain('copy completed');
    },
    60_000,
  );

  it('refuses memcached as a source with a typed error (exit 2) before contacting anything', async () => {
    const from = `memcached://${endpoints.memcached.servers.join(',')}`;
    const human = await runCli(['copy', '--from', from, '--to', redisUrl(TARGET_DB, prefix)]);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/memcached cannot be enumerated/);
    const run = await runCli(['copy', '--from', from, '--to', redisUrl(TARGET_DB, prefix), '--json']);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; name: string; store: string } };
    expect(error).toMatchObject({ code: 'UNSUPPORTED', name: 'SourceNotEnumerableError', store: 'memcached' });
  });

  it('answers usage errors with exit 2 and an unreachable target with exit 3', async () => {
    const from = redisUrl(SOURCE_DB, prefix);
    const noCheckpoint = await runCli(['copy', '--from', from, '--to', redisUrl(TARGET_DB, prefix), '--resume']);
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.stderr).toMatch(/--resume needs --checkpoint/);
    const badRate = await runCli(['copy', '--from', from, '--to', redisUrl(TARGET_DB, prefix), '--rate', '0']);
    expect(badRate.code).toBe(2);
    const same = await runCli(['copy', '--from', from, '--to', from]);
    expect(same.code).toBe(2);

    const port = await closedPort();
    const down = await runCli([
      'copy',
      '--from',
      from,
      '--to',
      `redis://127.0.0.1:${port}`,
      '--checkpoint',
      join(dir, 'down.json'),
      '--json',
    ]);
    expect(down.code).toBe(3);
    expect(JSON.parse(down.stdout).error.code).toMatch(/^STORE_(UNAVAILABLE|TIMEOUT)$/);
  }, 60_000);

  it('documents its options and exit codes in --help', async () => {
    const run = await runCli(['copy', '--help']);
    expect(run.code).toBe(0);
    for (const option of ['--from', '--to', '--rate', '--checkpoint', '--resume', '--concurrency', '--json']) {
      expect(run.stdout).toContain(option);
    }
    expect(run.stdout).toMatch(/Exit codes:/);
  });
});
