import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = resolve(packageDir, '../../node_modules/typescript/bin/tsc');

/** Packs @sessionkit/core, installs the tarball into an empty project outside the repo, and uses it. */
describe('npm pack of @sessionkit/core', () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'sessionkit-pack-'));
    execFileSync('npm', ['pack', '--pack-destination', project, '--silent'], { cwd: packageDir, stdio: 'pipe' });
    const tarball = readdirSync(project).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack produced no tarball');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`], {
      cwd: project,
      stdio: 'pipe',
    });
  }, 120_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('works from plain ESM JavaScript', () => {
    writeFileSync(
      join(project, 'main.mjs'),
      `import { SessionManager, expiryPresets } from '@sessionkit/core';
const manager = new SessionManager({ ...expiryPresets.nistAal2 });
const session = manager.create();
session.set('cart', ['book']);
await manager.commit(session);
const again = await manager.load(session.id);
console.log(JSON.stringify(again.get('cart')));`,
    );
    expect(execFileSync('node', ['main.mjs'], { cwd: project, encoding: 'utf8' }).trim()).toBe('["book"]');
  });

  it('resolves its types from TypeScript', () => {
    writeFileSync(
      join(project, 'main.ts'),
      `import { SessionManager, MemoryStore, type SessionStore } from '@sessionkit/core';
const store: SessionStore = new MemoryStore();
const manager = new SessionManager<{ visits: number }>({ store, idleTimeout: 60_000, absoluteTimeout: 3_600_000 });
const visits: number | undefined = manager.create().get('visits');
// @ts-expect-error: attribute names are typed
manager.create().get('nope');
export { visits };`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: [] },
        files: ['main.ts'],
      }),
    );
    const output = (() => {
      try {
        return execFileSync('node', [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
      } catch (error) {
        return String((error as { stdout?: string }).stdout ?? error);
      }
    })();
    expect(output).toBe('');
  });
});
