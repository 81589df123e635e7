// The worker's read of a dataset, by the reference's form: a file under the dataset roots, an s3://
// object, an https:// URL from an allow-listed host (redirects only within that host), or a pinned
// dataset://name/v through the catalog. Remote reads are bounded in size and time. Every refusal is a
// `dataset_invalid` naming the rule; a store that cannot be reached stays `unavailable` (retried).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WindsockError } from '../core/windsock-error';
import { readBoundedBody } from './bounded-body';
import {
  allowedHttpsUrl,
  DEFAULT_DATASET_MAX_BYTES,
  type DatasetSources,
  datasetReferenceKind,
  describeReference,
  hostAllowed,
  noObjectStore,
} from './dataset-sources';
import { parseS3Uri } from './object-store-client';

/** Bound on an https dataset's whole transfer. */
export const HTTPS_DATASET_TIMEOUT_MS = 5 * 60_000;
const MAX_REDIRECTS = 3;

export async function readDataset(uri: string, sources: DatasetSources): Promise<Buffer> {
  switch (datasetReferenceKind(uri, 'dataset_invalid')) {
    case 'file':
      return readFileDataset(uri, sources);
    case 's3':
      return readS3Dataset(uri, sources);
    case 'https':
      return readHttpsDataset(uri, sources);
    case 'catalog':
      return readCatalogDataset(uri, sources);
  }
}

async function readFileDataset(uri: string, sources: DatasetSources): Promise<Buffer> {
  const file = fileURLToPath(await sources.datasetRoots.resolve(uri, { code: 'dataset_invalid' }));
  try {
    return await readFile(file);
  } catch (err) {
    throw new WindsockError('dataset_invalid', `cannot read dataset ${uri}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function readS3Dataset(uri: string, sources: DatasetSources): Promise<Buffer> {
  if (!sources.objectStore) {
    throw noObjectStore(uri, 'dataset_invalid');
  }
  try {
    return await sources.objectStore.get(parseS3Uri(uri, 'dataset'), { maxBytes: sources.datasetMaxBytes ?? DEFAULT_DATASET_MAX_BYTES, limitName: 'WINDSOCK_DATASET_MAX_BYTES' });
  } catch (err) {
    throw asDatasetInvalid(err);
  }
}

async function readHttpsDataset(uri: string, sources: DatasetSources): Promise<Buffer> {
  const hosts = sources.datasetHosts ?? [];
  let url = allowedHttpsUrl(uri, hosts, 'dataset_invalid');
  const signal = AbortSignal.timeout(HTTPS_DATASET_TIMEOUT_MS);
  try {
    for (let redirects = 0; ; redirects += 1) {
      const res = await fetch(url, { redirect: 'manual', signal, headers: { accept: 'text/csv, */*;q=0.5' } });
      if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
        await res.body?.cancel();
        const next = new URL(res.headers.get('location')!, url);
        if (next.protocol !== 'https:' || next.host !== url.host || !hostAllowed(next, hosts)) {
          throw new WindsockError('dataset_invalid', `dataset ${describeReference(uri)} redirects to another host or scheme (${next.protocol}//${next.host}); redirects are followed within the same https host only`);
        }
        if (redirects >= MAX_REDIRECTS) throw new WindsockError('dataset_invalid', `dataset ${describeReference(uri)} redirects more than ${MAX_REDIRECTS} times`);
        url = next;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        const retryable = res.status >= 500 || res.status === 429;
        throw new WindsockError(retryable ? 'unavailable' : 'dataset_invalid', `dataset ${describeReference(uri)} answered HTTP ${res.status}`, { retryable });
      }
      return await readBoundedBody(res, sources.datasetMaxBytes ?? DEFAULT_DATASET_MAX_BYTES, `dataset ${describeReference(uri)}`, 'WINDSOCK_DATASET_MAX_BYTES');
    }
  } catch (err) {
    if (err instanceof WindsockError) throw asDatasetInvalid(err);
    const error = err as Error & { cause?: { code?: string; message?: string } };
    const why = error.name === 'TimeoutError' ? `no complete answer within ${HTTPS_DATASET_TIMEOUT_MS / 1000} s` : (error.cause?.code ?? error.cause?.message ?? error.message);
    throw new WindsockError('unavailable', `cannot fetch dataset ${describeReference(uri)}: ${why}`, { retryable: error.name !== 'TimeoutError' });
  }
}

async function readCatalogDataset(uri: string, sources: DatasetSources): Promise<Buffer> {
  if (!sources.datasetCatalog || !sources.blobs) {
    throw new WindsockError('dataset_invalid', `dataset ${describeReference(uri)} names a registry dataset, and this worker has no dataset catalog`);
  }
  const { uri: blobUri, sha256 } = await sources.datasetCatalog.locate(uri).catch((err: unknown) => {
    throw asDatasetInvalid(err);
  });
  const bytes = Buffer.from(await sources.blobs.get(blobUri));
  // The catalog's digest is the version's identity: bytes that differ are not that version.
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
    throw new WindsockError('dataset_invalid', `dataset ${describeReference(uri)}: the stored bytes do not match the version's sha256`);
  }
  return bytes;
}

/** A refusal (missing object, access denied, too large) fails the pipeline; an unreachable store is retried. */
function asDatasetInvalid(err: unknown): unknown {
  if (!(err instanceof WindsockError) || err.retryable || err.code === 'dataset_invalid') return err;
  return new WindsockError('dataset_invalid', err.message, err.options);
}
