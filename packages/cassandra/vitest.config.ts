import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault tests stop and restart Cassandra: test files must not run side by side.
    fileParallelism: false,
    testTimeout: 60_000,
    // Restarting a Cassandra node takes 10-60 s.
    hookTimeout: 240_000,
  },
});
