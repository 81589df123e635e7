// The artifact store port: model files, dataset splits, job logs. The local-directory store is the
// embedded default; an S3-compatible one (S3, R2, MinIO) implements the same interface.
export interface StoredBlob {
  uri: string;
  sha256: string;
  size: number;
}

export interface BlobStore {
  put(key: string, bytes: Uint8Array | string): Promise<StoredBlob>;
  putFile(key: string, filePath: string): Promise<StoredBlob>;
  get(uri: string): Promise<Uint8Array>;
  /** The blob's first `maxBytes` bytes at most, without reading the rest (a dataset's header and first rows). */
  readHead(uri: string, maxBytes: number): Promise<Uint8Array>;
  /** A local file path holding the blob (downloaded to a cache for remote stores). */
  localPath(uri: string): Promise<string>;
  exists(uri: string): Promise<boolean>;
}
