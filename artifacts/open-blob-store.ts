// The artifact store and object-store client a process uses, from its environment: a local directory
// by default (WINDSOCK_ARTIFACTS_DIR), S3-compatible object storage when WINDSOCK_ARTIFACTS_URL is set.
import type { WindsockEnv } from '../config/windsock-env';
import type { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-blob-store';
import { ObjectStoreClient } from './object-store-client';
import { S3BlobStore } from './s3-blob-store';

type ObjectStoreEnv = Pick<WindsockEnv, 'WINDSOCK_S3_ENDPOINT' | 'WINDSOCK_S3_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_SESSION_TOKEN'>;

/** The client for s3:// artifacts and datasets; undefined without AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
export function objectStoreFromEnv(env: ObjectStoreEnv): ObjectStoreClient | undefined {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return new ObjectStoreClient({
    endpoint: env.WINDSOCK_S3_ENDPOINT,
    region: env.WINDSOCK_S3_REGION,
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    sessionToken: env.AWS_SESSION_TOKEN,
  });
}

/**
 * The artifact store. On object storage, file:// URIs (artifacts recorded before the switch) are
 * still read from the local directory, so an existing champion stays evaluable and publishable.
 */
export function openBlobStore(
  env: ObjectStoreEnv & Pick<WindsockEnv, 'WINDSOCK_ARTIFACTS_URL' | 'artifactsDir' | 'blobCacheDir'>,
  objects: ObjectStoreClient | undefined = objectStoreFromEnv(env),
): BlobStore {
  const local = new LocalBlobStore(env.artifactsDir);
  if (!env.WINDSOCK_ARTIFACTS_URL) return local;
  // loadWindsockEnv refuses WINDSOCK_ARTIFACTS_URL without credentials; this guards other callers.
  if (!objects) throw new Error('WINDSOCK_ARTIFACTS_URL needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  return new S3BlobStore({ objects, location: env.WINDSOCK_ARTIFACTS_URL, cacheDir: env.blobCacheDir, fallback: local });
}
