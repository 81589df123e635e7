// The submit-time check of a pipeline's dataset reference, so that a dataset the worker could not read
// is a 400 now rather than a failed pipeline later: a path or file:// URI under the dataset roots;
// s3://bucket/key that exists (one HEAD) within the size limit; https:// on an allow-listed host;
// dataset://name[/v] pinned to a version by the catalog. Returns the URI the worker reads.
import { DEFAULT_DATASET_MAX_BYTES, type DatasetSources, allowedHttpsUrl, datasetReferenceKind, noObjectStore } from '../../artifacts/dataset-sources';
import type { DatasetRoots } from '../../artifacts/dataset-roots';
import { formatBytes } from '../../artifacts/bounded-body';
import { parseS3Uri, s3Uri } from '../../artifacts/object-store-client';
import { fileURLToPath } from 'node:url';
import { readFileHead } from '../../artifacts/local-blob-store';
import { WindsockError } from '../../core/windsock-error';
import type { DatasetResolver } from '../pipelines/pipeline-routes';

export type DatasetReferenceOptions = Omit<DatasetSources, 'datasetRoots'>;

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

  /**
   * The first SAMPLE_BYTES of a dataset, for the submit-time check of its first rows: a registry
   * dataset from the artifact store, an s3:// object by a ranged read, a file under the roots.
   */
  async headOf(uri: string): Promise<{ text: string; truncated: boolean } | undefined> {
    const kind = datasetReferenceKind(uri);
    let bytes: Uint8Array | undefined;
    if (kind === 'catalog' && this.options.datasetCatalog && this.options.blobs) {
      bytes = await this.options.blobs.readHead((await this.options.datasetCatalog.locate(uri)).uri, SAMPLE_BYTES + 1);
    } else if (kind === 's3' && this.options.objectStore) {
      bytes = await this.options.objectStore.getHead(parseS3Uri(uri, 'dataset'), SAMPLE_BYTES + 1);
    } else if (kind === 'file') {
      bytes = await readFileHead(fileURLToPath(uri), SAMPLE_BYTES + 1);
    }
    if (bytes === undefined) return undefined;
    const truncated = bytes.byteLength > SAMPLE_BYTES;
    return { text: new TextDecoder().decode(truncated ? bytes.subarray(0, SAMPLE_BYTES) : bytes), truncated };
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

/** How much of a dataset is checked at submit: its header and first rows. */
const SAMPLE_BYTES = 256 * 1024;
