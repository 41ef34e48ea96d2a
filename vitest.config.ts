import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/chaos/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 15_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
