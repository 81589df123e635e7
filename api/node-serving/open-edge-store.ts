// The serving store on Node: the edge's drizzle schema on a libSQL file (or Turso/sqld by URL),
// with the same migrations D1 gets.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../../drizzle/edge-schema';
import { openLibsqlClient } from '../../registry/open-libsql-client';
import { EdgeStore, type EdgeDb } from '../inference/edge-store';

const migrationsFolder = fileURLToPath(new URL('../../drizzle/edge-migrations', import.meta.url));

/** How long a write waits for another connection's (the sketch writer thread's, another replica's). */
export const BUSY_TIMEOUT_MS = 10_000;

export async function openEdgeStore(url: string, authToken?: string): Promise<{ store: EdgeStore; client: Client }> {
  const client = url.startsWith('file:') ? await openFileClient(url, authToken) : await openLibsqlClient(url, authToken);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { store: new EdgeStore(db as unknown as EdgeDb), client };
}

// Not openLibsqlClient for a file: it sets the busy timeout by PRAGMA, which reaches only the first
// of the client's pooled connections; the pool opens more for concurrent queries (the catalog reads
// two at once), and those failed with SQLITE_BUSY at once while another connection wrote. The
// `timeout` option applies to every connection.
async function openFileClient(url: string, authToken?: string): Promise<Client> {
  mkdirSync(path.dirname(url.slice('file:'.length)), { recursive: true });
  const client = createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS });
  await client.execute('PRAGMA journal_mode = WAL');
  return client;
}
