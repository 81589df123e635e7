// Where datasets may come from, by the reference's form: a path or file:// URI under the dataset roots,
// s3://bucket/key in the object store, https:// from an allow-listed host (WINDSOCK_DATASET_HOSTS),
// dataset://name[/v] from the registry's catalog. The API checks a reference at submit
// (api/control/dataset-reference-resolver.ts); the worker reads it (dataset-reader.ts).
import { WindsockError } from '../core/windsock-error';
import type { BlobStore } from './blob-store';
import type { DatasetCatalog } from './dataset-catalog';
import type { DatasetRoots } from './dataset-roots';
import type { ObjectStoreClient } from './object-store-client';

/** Where datasets may come from; the field names are ActivityDeps', so the worker passes its deps. */
export interface DatasetSources {
  datasetRoots: DatasetRoots;
  /** s3:// datasets; absent (no AWS_ACCESS_KEY_ID): refused. */
  objectStore?: ObjectStoreClient;
  /** dataset:// references; absent: refused. */
  datasetCatalog?: DatasetCatalog;
  /** Where the catalog's versions lie (read by the worker). */
  blobs?: BlobStore;
  /** Hosts https:// datasets may come from (WINDSOCK_DATASET_HOSTS); none when absent. */
  datasetHosts?: readonly string[];
  /** The largest dataset read from object storage or https (WINDSOCK_DATASET_MAX_BYTES). */
  datasetMaxBytes?: number;
}

export const DEFAULT_DATASET_MAX_BYTES = 512 * 1024 * 1024;

export type DatasetReferenceKind = 'catalog' | 's3' | 'https' | 'file';

/** The form of a reference; a scheme Windsock does not read is refused here, with the forms it does. */
export function datasetReferenceKind(reference: string, code: 'bad_request' | 'dataset_invalid' = 'bad_request'): DatasetReferenceKind {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(reference)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return 'file';
  if (scheme === 'dataset') return 'catalog';
  if (scheme === 's3') return 's3';
  if (scheme === 'https') return 'https';
  const forms = 'a path under the dataset roots, a file://, s3://bucket/key or https:// URI (hosts in WINDSOCK_DATASET_HOSTS), or dataset://name';
  if (scheme === 'http') throw new WindsockError(code, `dataset ${describeReference(reference)} is plain http: datasets are read over https only`);
  throw new WindsockError(code, `dataset ${describeReference(reference)} has a scheme Windsock does not read ('${clip(scheme)}:'); use ${forms}`);
}

/** The refusal of an s3:// reference where no object store is configured. */
export function noObjectStore(reference: string, code: 'bad_request' | 'dataset_invalid', what = 'dataset'): WindsockError {
  return new WindsockError(
    code,
    `${what} ${describeReference(reference)} is in object storage, and this deployment has no object-store credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and WINDSOCK_S3_ENDPOINT for a store other than AWS S3)`,
  );
}

/** WINDSOCK_DATASET_HOSTS: comma-separated host names (`data.example.com`, `data.example.com:8443`, `*.example.com`). */
export function parseDatasetHosts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
}

/** The https URL when its host is allow-listed; otherwise a refusal that names WINDSOCK_DATASET_HOSTS. */
export function allowedHttpsUrl(reference: string, hosts: readonly string[], code: 'bad_request' | 'dataset_invalid' = 'bad_request'): URL {
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    throw new WindsockError(code, `dataset ${describeReference(reference)} is not a valid https:// URL`);
  }
  if (url.protocol !== 'https:') throw new WindsockError(code, `dataset ${describeReference(reference)} is not an https:// URL`);
  // Credentials in a URL would travel into workflow history and logs.
  if (url.username || url.password) throw new WindsockError(code, `dataset URL ${describeReference(reference)} carries credentials; give an URL without user:password@`);
  if (hosts.length === 0) {
    throw new WindsockError(code, `https datasets are not enabled on this deployment: add '${url.hostname}' to WINDSOCK_DATASET_HOSTS to allow ${describeReference(reference)}`);
  }
  if (!hostAllowed(url, hosts)) {
    throw new WindsockError(code, `dataset host '${url.host}' is not in WINDSOCK_DATASET_HOSTS (${hosts.join(', ')})`);
  }
  return url;
}

export function hostAllowed(url: URL, hosts: readonly string[]): boolean {
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  return hosts.some((allowed) => {
    if (allowed.startsWith('*.')) return hostname.endsWith(allowed.slice(1)) && hostname.length > allowed.length - 1;
    return allowed === host || allowed === hostname;
  });
}

/** A reference as it may be quoted back: no user:password@ and no query (a presigned URL's signature). */
export function describeReference(reference: string): string {
  if (/^https?:/i.test(reference)) {
    try {
      const url = new URL(reference);
      return `'${clip(`${url.protocol}//${url.host}${url.pathname}`)}${url.search ? '?...' : ''}'`;
    } catch {
      return "'(an unparsable URL)'";
    }
  }
  return `'${clip(reference)}'`;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
