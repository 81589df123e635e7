// Opens the registry (a libSQL file by default, Turso/sqld by URL) and applies committed migrations.
import { fileURLToPath } from 'node:url';
import type { Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../drizzle/schema';
import { openLibsqlClient } from './open-libsql-client';

export type RegistryDb = LibSQLDatabase<typeof schema>;

const migrationsFolder = fileURLToPath(new URL('../drizzle/migrations', import.meta.url));

export async function openRegistry(url: string, authToken?: string): Promise<{ db: RegistryDb; client: Client }> {
  const client = await openLibsqlClient(url, authToken);
  await client.execute('PRAGMA foreign_keys = ON');
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { db, client };
}
