// A libSQL client for a URL (a file by default, Turso/sqld remotely), set up for several processes
// and connections sharing one file: WAL lets readers run beside the writer, and the busy timeout
// makes a writer wait for another connection instead of failing with SQLITE_BUSY. The timeout goes
// in createClient's `timeout` option, which every pooled connection gets (a `PRAGMA busy_timeout`
// reaches only the first one; the pool opens more for concurrent queries).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from '@libsql/client';

/** How long a write waits for another connection's (another process, a writer thread, a replica). */
export const BUSY_TIMEOUT_MS = 10_000;

export async function openLibsqlClient(url: string, authToken?: string): Promise<Client> {
  const isFile = url.startsWith('file:');
  if (isFile) mkdirSync(path.dirname(url.slice('file:'.length)), { recursive: true });
  const client = createClient({ url, authToken, ...(isFile ? { timeout: BUSY_TIMEOUT_MS } : {}) });
  if (isFile) await client.execute('PRAGMA journal_mode = WAL');
  return client;
}
