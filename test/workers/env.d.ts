// Bindings the workers vitest project adds to wrangler.toml's (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    FIXTURE_BREAST_CANCER_MLP: ArrayBuffer;
    FIXTURE_SLOW_MODEL: ArrayBuffer;
  }
}
