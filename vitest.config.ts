import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Stress tests spawn real worker threads; one file at a time per core keeps them honest on 2 cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Hang guards, not speed bounds: tests that start swarms of worker threads take seconds on an idle
    // machine and several times that on a busy one. What a test proves is in its assertions.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
