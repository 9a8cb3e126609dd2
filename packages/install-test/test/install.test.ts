/**
 * Every publishable package, packed and installed into a fresh app outside the workspace as a new user would:
 * `npm install` of the tarballs plus the newest driver in each peer range. Then, in that app: the TypeScript
 * type-check, an ES module and a CommonJS file that run every adapter on the app's own driver client against
 * the real test servers, and the conformance suite from the tarballs under the app's own vitest.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackedPackage, packAll } from './pack.js';
import { describeRun, installSpecs, layOutApp, runIn } from './scratch-app.js';
import { appSettings } from './servers.js';

const MINUTE = 60_000;

describe('the packed packages, installed into a fresh app', () => {
  let work: string;
  let app: string;
  let packed: PackedPackage[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sessionkit-install-'));
    const tarballs = join(work, 'tarballs');
    app = join(work, 'app');
    mkdirSync(tarballs);
    mkdirSync(app);
    packed = packAll(tarballs);
    layOutApp(app, appSettings(randomBytes(4).toString('hex')));
    const install = runIn(
      app,
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...installSpecs(packed)],
      8 * MINUTE,
    );
    if (install.status !== 0) throw new Error(describeRun('npm install', install));
  }, 10 * MINUTE);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('gives no package a private copy of a peer dependency (the app shares one driver with every adapter)', () => {
    const privateCopies = packed.flatMap(({ name, manifest }) =>
      Object.keys(manifest.peerDependencies ?? {})
        .filter((peer) => existsSync(join(app, 'node_modules', name, 'node_modules', peer)))
        .map((peer) => `${name} -> ${peer}`),
    );
    expect(privateCopies).toEqual([]);
  });

  it('type-checks a TypeScript file that uses every package (tsc --noEmit, module nodenext)', () => {
    const tsc = runIn(app, 'node', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], 3 * MINUTE);
    expect(tsc.status, describeRun('tsc', tsc)).toBe(0);
  });

  for (const [kind, file] of [
    ['an ES module (import)', 'esm.mjs'],
    ['CommonJS (require)', 'cjs.cjs'],
  ] as const) {
    it(`runs every package from ${kind}: each adapter on the app's own client against its real server`, () => {
      const run = runIn(app, 'node', [file], 3 * MINUTE);
      expect(run.status, describeRun(`node ${file}`, run)).toBe(0);
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { passed?: string[] };
      expect(summary.passed?.slice().sort()).toEqual(packed.map(({ name }) => name).sort());
    });
  }

  it("passes the conformance suite from the tarballs on MemoryStore and RedisSessionStore (the app's vitest)", () => {
    const run = runIn(
      app,
      'node',
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.config.mjs'],
      5 * MINUTE,
    );
    const reportFile = join(app, 'conformance-report.json');
    expect(existsSync(reportFile), describeRun('vitest', run)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      testResults: { assertionResults: { ancestorTitles: string[]; status: string }[] }[];
    };
    const suites = new Set(
      report.testResults.flatMap((file) =>
        file.assertionResults.filter((test) => test.status === 'passed').map((test) => test.ancestorTitles[0]),
      ),
    );
    expect(report.numFailedTests, describeRun('vitest', run)).toBe(0);
    expect(report.numPassedTests).toBeGreaterThan(0);
    expect([...suites].sort()).toEqual(['MemoryStore (installed)', 'RedisSessionStore (installed)']);
    expect(run.status, describeRun('vitest', run)).toBe(0);
  });
});
