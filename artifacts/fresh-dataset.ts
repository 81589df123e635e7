// Fresh data for retraining: the newest `.csv` file under a location (a directory, by modification
// time, then name), or the location itself when it is a file. The location is a file:// URI that the
// caller has checked against the dataset roots.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WindsockError } from '../core/windsock-error';

export async function newestDataset(location: string): Promise<string> {
  const target = fileURLToPath(location);
  const info = await stat(target).catch(() => undefined);
  if (!info) throw new WindsockError('bad_request', `retrain dataset location '${location}' does not exist`);
  if (info.isFile()) return pathToFileURL(target).href;
  const candidates: Array<{ file: string; mtimeMs: number }> = [];
  for (const entry of await readdir(target, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.csv')) continue;
    const file = path.join(target, entry.name);
    candidates.push({ file, mtimeMs: (await stat(file)).mtimeMs });
  }
  if (candidates.length === 0) throw new WindsockError('bad_request', `retrain dataset location '${location}' holds no .csv file`);
  candidates.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.file < b.file ? 1 : -1));
  return pathToFileURL(candidates[0]!.file).href;
}
