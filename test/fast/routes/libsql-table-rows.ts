// Every row of every table of a libSQL database (migrations' bookkeeping left out), so that a test
// can assert a refused request wrote nothing anywhere, not only in the table it expected.
import type { Client } from '@libsql/client';

export async function tableRows(client: Client): Promise<Record<string, unknown[]>> {
  const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name");
  const rows: Record<string, unknown[]> = {};
  for (const { name } of tables.rows) {
    const result = await client.execute(`SELECT * FROM "${String(name)}"`);
    rows[String(name)] = result.rows.map((row) => ({ ...row }));
  }
  return rows;
}
