// Blob store on S3-compatible object storage (WINDSOCK_ARTIFACTS_URL=s3://bucket/prefix); URIs are
// s3://bucket/prefix/key. Files that onnxruntime or a training job must open are downloaded once into
// a local cache, named by the URI and the object's ETag, so a rewritten key is fetched afresh.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WindsockError } from '../core/windsock-error';
import type { BlobStore, StoredBlob } from './blob-store';
import { sha256Hex } from './local-blob-store';
import { type ObjectStoreClient, parseS3Uri, type S3Location, s3Uri } from './object-store-client';
import { sha256File } from './sha256-file';

export interface S3BlobStoreOptions {
  objects: ObjectStoreClient;
  /** `s3://bucket/prefix`: where keys are written. */
  location: string;
  /** Where localPath downloads to (`$WINDSOCK_HOME/cache/blobs`); safe to empty at any time. */
  cacheDir: string;
  /** Reads URIs of another scheme (file:// artifacts written before the switch to object storage). */
  fallback?: BlobStore;
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export class S3BlobStore implements BlobStore {
  private readonly root: S3Location;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.root = parseS3Uri(options.location, 'WINDSOCK_ARTIFACTS_URL');
    this.root.key = this.root.key.replace(/^\/+|\/+$/g, '');
  }

  /** The store's location, `s3://bucket/prefix`. */
  get location(): string {
    return s3Uri(this.root).replace(/\/$/, '');
  }

  async put(key: string, bytes: Uint8Array | string): Promise<StoredBlob> {
    const target = this.locationFor(key);
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const sha256 = sha256Hex(data);
    await this.options.objects.put(target, data, sha256, contentType(key));
    return { uri: s3Uri(target), sha256, size: data.byteLength };
  }

  /** Streamed from the file (its length known), after one pass to hash it: a model is never held in memory. */
  async putFile(key: string, filePath: string): Promise<StoredBlob> {
    const target = this.locationFor(key);
    const { size } = await stat(filePath);
    const sha256 = await sha256File(filePath);
    await this.options.objects.putFile(target, filePath, size, sha256);
    return { uri: s3Uri(target), sha256, size };
  }

  async get(uri: string): Promise<Uint8Array> {
    if (!uri.startsWith('s3:')) return this.other(uri).get(uri);
    return this.options.objects.get(parseS3Uri(uri, 'artifact URI'));
  }

  async readHead(uri: string, maxBytes: number): Promise<Uint8Array> {
    if (!uri.startsWith('s3:')) return this.other(uri).readHead(uri, maxBytes);
    return this.options.objects.getHead(parseS3Uri(uri, 'artifact URI'), maxBytes);
  }

  async localPath(uri: string): Promise<string> {
    if (!uri.startsWith('s3:')) return this.other(uri).localPath(uri);
    const location = parseS3Uri(uri, 'artifact URI');
    const info = await this.options.objects.head(location);
    if (!info) throw new WindsockError('not_found', `no artifact ${uri} in the object store`);
    const name = createHash('sha256').update(`${uri}\n${info.etag}`).digest('hex') + path.extname(location.key).slice(0, 16);
    const file = path.join(this.options.cacheDir, name);
    if (await access(file).then(() => true, () => false)) return file;
    await mkdir(this.options.cacheDir, { recursive: true });
    const tmp = `${file}.tmp-${randomUUID()}`;
    try {
      await pipeline(await this.options.objects.getStream(location), createWriteStream(tmp));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof WindsockError) throw err;
      throw new WindsockError('unavailable', `cannot download ${uri} to ${this.options.cacheDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        retryable: true,
      });
    }
    return file;
  }

  async exists(uri: string): Promise<boolean> {
    if (!uri.startsWith('s3:')) return this.options.fallback ? this.options.fallback.exists(uri) : false;
    return (await this.options.objects.head(parseS3Uri(uri, 'artifact URI'))) !== undefined;
  }

  private locationFor(key: string): S3Location {
    const segments = key.split('/');
    if (key === '' || key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new WindsockError('bad_request', `artifact key '${key}' escapes the artifact store or has empty segments`);
    }
    return { bucket: this.root.bucket, key: this.root.key ? `${this.root.key}/${key}` : key };
  }

  private other(uri: string): BlobStore {
    if (!this.options.fallback) throw new WindsockError('bad_request', `the object-storage artifact store cannot read '${uri}'`);
    return this.options.fallback;
  }
}

function contentType(key: string): string {
  return CONTENT_TYPES[path.extname(key).toLowerCase()] ?? 'application/octet-stream';
}
