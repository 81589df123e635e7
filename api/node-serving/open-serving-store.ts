// The serving store on Node: the edge's drizzle schema on a libSQL file (or Turso/sqld by URL),
// with the same migrations D1 gets.
import { fileURLToPath } from 'node:url';
import type { Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../../drizzle/edge-schema';
import { openLibsqlClient } from '../../registry/open-libsql-client';
import { ServingStore, type ServingDb } from '../serving/serving-store';

const migrationsFolder = fileURLToPath(new URL('../../drizzle/edge-migrations', import.meta.url));

export async function openServingStore(url: string, authToken?: string): Promise<{ store: ServingStore; client: Client }> {
  const client = await openLibsqlClient(url, authToken);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { store: new ServingStore(db as unknown as ServingDb), client };
}
