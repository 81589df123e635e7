import { defineConfig } from 'drizzle-kit';

// Migrations for the edge store: applied to D1 by wrangler (migrations_dir in wrangler.toml) and by
// the Workers tests, and to libSQL by the Node serving mode.
export default defineConfig({
  dialect: 'sqlite',
  schema: './drizzle/edge-schema/index.ts',
  out: './drizzle/edge-migrations',
});
