// Opens the runner's job table (a libSQL file next to its jobs by default) and applies its migrations.
import { fileURLToPath } from 'node:url';
import type { Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../drizzle/runner-schema';
import { openLibsqlClient } from '../registry/open-libsql-client';

export type RunnerDb = LibSQLDatabase<typeof schema>;

const migrationsFolder = fileURLToPath(new URL('../drizzle/runner-migrations', import.meta.url));

export async function openRunnerDb(url: string): Promise<{ db: RunnerDb; client: Client }> {
  const client = await openLibsqlClient(url);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { db, client };
}
