// Model bytes for Node serving from Windsock's blob store (a directory by default).
import { WindsockError } from '../../core/windsock-error';
import type { LocalBlobStore } from '../../artifacts/local-blob-store';
import type { ArtifactSource } from '../serving/serving-ports';

export class BlobArtifactSource implements ArtifactSource {
  constructor(private readonly blobs: LocalBlobStore) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.blobs.get(new URL(key, `file://${this.blobs.root}/`).href);
    } catch (err) {
      if (err instanceof WindsockError) throw err;
      return undefined;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.blobs.put(key, bytes);
  }
}
