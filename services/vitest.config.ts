import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // One file at a time: the fault-helper test stops and starts servers the other files use.
    fileParallelism: false,
  },
});
