// The serving store on Node: the edge's drizzle schema on a libSQL file (or Turso/sqld by URL),
// with the same migrations D1 gets.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../../drizzle/edge-schema';
import { EdgeStore, type EdgeDb } from '../inference/edge-store';

const migrationsFolder = fileURLToPath(new URL('../../drizzle/edge-migrations', import.meta.url));

export async function openEdgeStore(url: string, authToken?: string): Promise<{ store: EdgeStore; client: Client }> {
  if (url.startsWith('file:')) mkdirSync(path.dirname(url.slice('file:'.length)), { recursive: true });
  const client = createClient({ url, authToken });
  if (url.startsWith('file:')) {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA busy_timeout = 10000');
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { store: new EdgeStore(db as unknown as EdgeDb), client };
}
