/**
 * An exception thrown by the caller's callback surfaces as it does with express-session's own stores: an
 * uncaught exception that ends the process, never an unhandled rejection (the bridge calls back outside its
 * promise chain). Each case runs in a child process (`fixtures/express-session-bridge-callback.ts`), for
 * express-session's MemoryStore and for the bridge, so the two are compared as Node itself reports them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/express-session-bridge-callback.ts', import.meta.url));

/** Runs the fixture; resolves its exit code and what it printed. */
async function run(store: string, method: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, STORE: store, METHOD: method },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('a callback that throws', () => {
  it.concurrent.each(['get', 'set', 'touch', 'destroy', 'all', 'length', 'clear'])(
    '%s: an uncaught exception on the bridge, as on express-session’s MemoryStore',
    async (method) => {
      const [theirs, ours] = await Promise.all([run('express-session', method), run('bridge', method)]);
      const expected = `origin uncaughtException: thrown by the ${method} callback`;
      expect(theirs.stdout.trim(), theirs.stderr).toBe(expected);
      expect(ours.stdout.trim(), ours.stderr).toBe(expected);
      expect(ours.code).toBe(theirs.code);
      expect(ours.code).toBe(1);
    },
    30_000,
  );
});
