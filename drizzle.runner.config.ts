import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'turso',
  schema: './drizzle/runner-schema/index.ts',
  out: './drizzle/runner-migrations',
  dbCredentials: { url: 'file:.windsock/drizzle-kit-runner.db' },
});
