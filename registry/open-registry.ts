// Opens the registry (a libSQL file by default, Turso/sqld by URL) and applies committed migrations.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../drizzle/schema';

export type RegistryDb = LibSQLDatabase<typeof schema>;

const migrationsFolder = fileURLToPath(new URL('../drizzle/migrations', import.meta.url));

export async function openRegistry(url: string, authToken?: string): Promise<{ db: RegistryDb; client: Client }> {
  if (url.startsWith('file:')) mkdirSync(path.dirname(url.slice('file:'.length)), { recursive: true });
  const client = createClient({ url, authToken });
  if (url.startsWith('file:')) {
    // The API and the worker share the file: WAL lets readers run beside the writer, and the busy
    // timeout makes a writer wait for the other process instead of failing with SQLITE_BUSY.
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA busy_timeout = 10000');
  }
  await client.execute('PRAGMA foreign_keys = ON');
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { db, client };
}
