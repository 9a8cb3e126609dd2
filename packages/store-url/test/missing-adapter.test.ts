/**
 * Adapters are optional peer dependencies: in an install without `@sessionkit/redis`, opening a `redis://` URL
 * fails with AdapterNotInstalledError naming the package, and the embedded memory store still opens. Run in a
 * scratch directory holding only the built store-url and core packages (copied, so Node's resolution cannot
 * climb back into this repository's node_modules).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'store-url-missing-'));
  for (const name of ['core', 'store-url']) {
    const to = join(scratch, 'node_modules', '@sessionkit', name);
    mkdirSync(to, { recursive: true });
    cpSync(join(packages, name, 'dist'), join(to, 'dist'), { recursive: true });
    cpSync(join(packages, name, 'package.json'), join(to, 'package.json'));
  }
  writeFileSync(
    join(scratch, 'probe.mjs'),
    `import { openStore, AdapterNotInstalledError } from '@sessionkit/store-url';
const out = {};
try { await openStore('redis://127.0.0.1:6379'); out.redis = 'opened'; }
catch (e) { out.redis = { name: e.name, code: e.code, packageName: e.packageName, typed: e instanceof AdapterNotInstalledError, message: e.message }; }
const memory = await openStore('memory');
out.memory = memory.name;
await memory.close();
console.log(JSON.stringify(out));
`,
  );
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('a missing adapter package', () => {
  it('is a typed AdapterNotInstalledError naming the package; memory needs none', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['probe.mjs'], { cwd: scratch });
    const out = JSON.parse(stdout) as { redis: Record<string, unknown>; memory: string };
    expect(out.redis).toMatchObject({
      name: 'AdapterNotInstalledError',
      code: 'CONFIGURATION',
      packageName: '@sessionkit/redis',
      typed: true,
    });
    expect(out.redis.message).toMatch(/npm install @sessionkit\/redis/);
    expect(out.memory).toBe('memory');
  });
});
