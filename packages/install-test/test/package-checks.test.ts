/**
 * Package correctness of every publishable package, on the tarball npm would publish: publint (exports map,
 * files that exist and are shipped, formats) and Are the Types Wrong (types resolve for every entry point).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackedPackage, packAll, publishableDirectories, repoRoot } from './pack.js';

const require = createRequire(import.meta.url);
const attwBin = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js');

/**
 * attw's flags. `esm-only`: the packages are ES modules, which Node 20.20 loads from `require()` too; attw 0.18
 * (TypeScript 5.6) does not model that and would report every `require` resolution as CJSResolvesToESM. The
 * CommonJS consumer is proven for real in install.test.ts instead. `--no-definitely-typed`: the packages ship
 * their own types, so there is no @types package to fetch.
 */
const ATTW_FLAGS = ['--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'];

describe('package checks on the packed tarballs', () => {
  let work: string;
  let packed: PackedPackage[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sessionkit-pack-'));
    packed = packAll(work);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const packedIn = (directory: string): PackedPackage => {
    const entry = packed.find((candidate) => candidate.directory === directory);
    if (entry === undefined) throw new Error(`${directory} was not packed`);
    return entry;
  };

  for (const directory of publishableDirectories()) {
    describe(directory, () => {
      it('publint (strict): no errors, no warnings', async () => {
        const bytes = readFileSync(packedIn(directory).tarball);
        const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        const { messages, pkg } = await publint({ pack: { tarball }, strict: true, level: 'warning' });
        const problems = messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false })}`);
        expect(problems.join('\n')).toBe('');
      });

      it('attw: the types resolve for every entry point', () => {
        try {
          execFileSync('node', [attwBin, packedIn(directory).tarball, ...ATTW_FLAGS], {
            cwd: join(repoRoot, directory),
            encoding: 'utf8',
            stdio: 'pipe',
          });
        } catch (error) {
          const { stdout, stderr } = error as { stdout?: string; stderr?: string };
          expect.fail(`attw reports problems in ${directory}:\n${stdout ?? ''}${stderr ?? ''}`);
        }
      });
    });
  }
});
