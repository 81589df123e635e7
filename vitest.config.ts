import { existsSync } from 'node:fs';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The edge's D1 migrations (wrangler.toml's migrations_dir), applied by test/workers/apply-migrations.ts.
const edgeMigrationsDir = 'drizzle/edge-migrations';

// Test tiers, each runnable alone with `--project <name>`:
// unit: pure core/ logic and workflow replay (no servers);
// workers: the edge inside workerd (Cloudflare's vitest plugin), with wrangler.toml's bindings
//   backed by in-memory local D1 and R2;
// fast: workflows on a Temporal test environment with stub activities, and routes against a fake
//   TemporalGateway: no training, no serving, no worker per test (with unit, `npm run test:fast`);
// temporal: integration on a real Temporal dev server, libSQL files and the real training job.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/serving/**/*.test.ts'],
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                WINDSOCK_TOKENS: 'ops:admin:edge-admin-token-0123456789,watch:viewer:edge-viewer-token-0123456789',
                WINDSOCK_FEEDBACK_TOKENS: 'labeller:edge-feedback-token-0123456789',
                // Each request's batch is written at once (tests await every request's waitUntil work);
                // test/workers/batch-close.test.ts sets its own age to show the timed close.
                WINDSOCK_RECORDING_MAX_AGE_MS: '0',
                TEST_MIGRATIONS: existsSync(edgeMigrationsDir) ? await readD1Migrations(edgeMigrationsDir) : [],
              },
              // Fixture files as ArrayBuffer bindings, for tests that seed R2.
              dataBlobBindings: {
                FIXTURE_BREAST_CANCER_MLP: 'test/fixtures/breast-cancer-mlp.onnx',
                FIXTURE_SLOW_MODEL: 'test/fixtures/slow-model.onnx',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          setupFiles: ['test/workers/apply-migrations.ts'],
        },
      },
      {
        test: {
          name: 'fast',
          include: ['test/fast/**/*.test.ts'],
          globalSetup: ['test/fast/global-setup.ts'],
          // Most of these files wait on the dev server's timers and replies rather than compute: three
          // at a time on two cores keep the tier near one minute. Vitest runs a project with its own
          // worker count in a group of its own, after the others.
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
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
