import { defineConfig } from 'vitest/config';

/** The fault suite (`npm run test:chaos`): real processes on loopback, bounded to minutes. */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
