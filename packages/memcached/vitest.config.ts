import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers, 1 s TTL granularity and fault injection: generous timeouts.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Fault tests stop and restart shared servers: test files run one at a time.
    fileParallelism: false,
  },
});
