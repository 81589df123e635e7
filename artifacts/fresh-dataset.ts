// Fresh data for retraining: the newest `.csv` under a retrain location, or the location itself when it
// is one file. A location is a directory under the dataset roots (its own files, by modification time,
// then name), an s3://bucket/prefix/ (every object under the prefix, by LastModified, then key), or a
// registry dataset, dataset://name (its newest version, pinned).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WindsockError } from '../core/windsock-error';
import { type DatasetSources, noObjectStore } from './dataset-sources';
import { parseS3Uri, s3Uri } from './object-store-client';

/** The dataset URI a retrain reads from `reference` (a template's `retrain.dataset`). */
export async function freshDataset(reference: string, sources: Pick<DatasetSources, 'datasetRoots' | 'objectStore' | 'datasetCatalog'>): Promise<string> {
  if (reference.startsWith('s3:')) return newestObject(reference, sources);
  if (reference.startsWith('dataset:')) {
    if (!sources.datasetCatalog) throw new WindsockError('bad_request', `retrain dataset location '${reference.slice(0, 200)}' names a registry dataset, and this worker has no dataset catalog`);
    return sources.datasetCatalog.pin(reference);
  }
  return newestDataset(await sources.datasetRoots.resolve(reference, { kind: 'file_or_directory' }));
}

/** `location`: a file:// URI that the caller has checked against the dataset roots. */
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

async function newestObject(reference: string, sources: Pick<DatasetSources, 'objectStore'>): Promise<string> {
  const objects = sources.objectStore;
  if (!objects) throw noObjectStore(reference, 'bad_request', 'retrain dataset location');
  const location = parseS3Uri(reference, 'retrain dataset location');
  // `s3://b/data.csv` names one object; `s3://b/fresh` or `s3://b/fresh/` the objects under `fresh/`.
  if (location.key !== '' && !location.key.endsWith('/') && (await objects.head(location))) return s3Uri(location);
  const prefix = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
  const candidates = (await objects.list({ bucket: location.bucket, key: prefix })).filter((o) => o.key.endsWith('.csv'));
  if (candidates.length === 0) throw new WindsockError('bad_request', `retrain dataset location '${s3Uri({ bucket: location.bucket, key: prefix })}' holds no .csv object`);
  candidates.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || (a.key < b.key ? 1 : -1));
  return s3Uri({ bucket: location.bucket, key: candidates[0]!.key });
}
