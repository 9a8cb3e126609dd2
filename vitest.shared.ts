/**
 * The vitest settings every package shares: test files under test/, run one file at a time, a verbose report
 * (each conformance feature and check by name) and a JSON report per package under .test-results/ that
 * scripts/test.mjs sums up into the one closing line of `npm test`.
 */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

/** The shared config for the package in the current directory, merged with its own `overrides`. */
export function packageTestConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  const name = basename(process.cwd());
  return mergeConfig(
    defineConfig({
      test: {
        include: ['test/**/*.test.ts'],
        testTimeout: 20_000,
        // Test files of a package run one at a time: fault tests stop and restart the shared servers.
        fileParallelism: false,
        // Every test by name, so each conformance run reads per feature; JSON for the closing summary line.
        reporters: ['verbose', 'json'],
        outputFile: { json: join(root, '.test-results', `${name}.json`) },
      },
    }),
    overrides,
  );
}
