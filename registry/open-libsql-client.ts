// A libSQL client for a URL (a file by default, Turso/sqld remotely), set up for several processes
// sharing one file: WAL lets readers run beside the writer, and the busy timeout makes a writer wait
// for another process instead of failing with SQLITE_BUSY.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from '@libsql/client';

export async function openLibsqlClient(url: string, authToken?: string): Promise<Client> {
  const isFile = url.startsWith('file:');
  if (isFile) mkdirSync(path.dirname(url.slice('file:'.length)), { recursive: true });
  const client = createClient({ url, authToken });
  if (isFile) {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA busy_timeout = 10000');
  }
  return client;
}
