// Brings each test file's local D1 (EDGE_DB) to the committed edge schema before its tests run.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

await applyD1Migrations(env.EDGE_DB, env.TEST_MIGRATIONS);
