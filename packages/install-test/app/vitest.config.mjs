// The scratch app's vitest: the conformance file only, with a JSON report the install test reads.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['conformance.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'conformance-report.json' },
  },
});
