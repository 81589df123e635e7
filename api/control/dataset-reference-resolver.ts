// The submit-time check of a pipeline's dataset reference, so that a dataset the worker could not read
// is a 400 now rather than a failed pipeline later: a path or file:// URI under the dataset roots;
// s3://bucket/key that exists (one HEAD) within the size limit; https:// on an allow-listed host;
// dataset://name[/v] pinned to a version by the catalog. Returns the URI the worker reads.
import { DEFAULT_DATASET_MAX_BYTES, type DatasetSources, allowedHttpsUrl, datasetReferenceKind, noObjectStore } from '../../artifacts/dataset-sources';
import type { DatasetRoots } from '../../artifacts/dataset-roots';
import { formatBytes } from '../../artifacts/bounded-body';
import { parseS3Uri, s3Uri } from '../../artifacts/object-store-client';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../core/data/csv';
import { WindsockError } from '../../core/windsock-error';
import type { DatasetResolver } from '../pipelines/pipeline-routes';

export type DatasetReferenceOptions = Omit<DatasetSources, 'datasetRoots' | 'blobs'>;

export class DatasetReferenceResolver implements DatasetResolver {
  constructor(
    private readonly roots: DatasetRoots,
    private readonly options: DatasetReferenceOptions = {},
  ) {}

  async resolve(reference: string): Promise<string> {
    switch (datasetReferenceKind(reference)) {
      case 'file':
        return this.roots.resolve(reference);
      case 'https':
        return allowedHttpsUrl(reference, this.options.datasetHosts ?? []).href;
      case 's3':
        return this.resolveS3(reference);
      case 'catalog':
        if (!this.options.datasetCatalog) throw new WindsockError('bad_request', `dataset '${reference.slice(0, 200)}' names a registry dataset, and this API has no dataset catalog`);
        return this.options.datasetCatalog.pin(reference);
    }
  }

  /** The header of a dataset in the catalog (recorded at upload) or in a file under the roots (its first line, bounded). */
  async columnsOf(uri: string): Promise<readonly string[] | undefined> {
    const kind = datasetReferenceKind(uri);
    if (kind === 'catalog') return (await this.options.datasetCatalog?.locate(uri))?.columns;
    if (kind !== 'file') return undefined;
    return headerOfFile(fileURLToPath(uri));
  }

  private async resolveS3(reference: string): Promise<string> {
    const objects = this.options.objectStore;
    if (!objects) throw noObjectStore(reference, 'bad_request');
    const location = parseS3Uri(reference, 'dataset');
    if (location.key === '' || location.key.endsWith('/')) throw new WindsockError('bad_request', `dataset '${reference.slice(0, 200)}' names a prefix, not an object`);
    const info = await objects.head(location).catch((err: unknown) => {
      // What the store refuses (access denied, bad credentials) is this request's problem to report, not a 403 of Windsock's.
      if (err instanceof WindsockError && !err.retryable) throw new WindsockError('bad_request', err.message);
      throw err;
    });
    if (!info) throw new WindsockError('bad_request', `dataset ${s3Uri(location)} was not found in the object store at ${objects.describe()}`);
    const maxBytes = this.options.datasetMaxBytes ?? DEFAULT_DATASET_MAX_BYTES;
    if (info.size > maxBytes) {
      throw new WindsockError('bad_request', `dataset ${s3Uri(location)} is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit (WINDSOCK_DATASET_MAX_BYTES)`);
    }
    return s3Uri(location);
  }
}

/** How much of a file is read for its header; a longer header is left to validation. */
const HEADER_BYTES = 64 * 1024;

async function headerOfFile(file: string): Promise<string[] | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    if (end === -1) return undefined;
    return parseCsv(text.slice(0, end).replace(/\r$/, '')).header;
  } catch {
    return undefined; // not CSV enough to tell: validation names the problem
  } finally {
    await handle.close();
  }
}
