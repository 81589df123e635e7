import { defineConfig } from 'vitest/config';

// Test tiers, each runnable alone with `--project <name>`:
// unit: pure core/ logic and workflow replay (no servers);
// temporal: integration on a real Temporal dev server, libSQL files and the real training job.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'temporal',
          include: ['test/temporal/**/*.test.ts'],
          globalSetup: ['test/temporal/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
