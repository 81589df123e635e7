// A JSON file a command sends (a model template, a dataset spec): read and parsed here, checked by the
// API's own schema when it arrives, so a mistake comes back as the API's 400 naming the field.
import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error';

export async function readJsonFile(file: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} ${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${what} ${file} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}
