import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The suite waits real time for expiry; keep files sequential so timings stay honest.
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
