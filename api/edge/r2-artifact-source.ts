// Model bytes at the edge: an R2 bucket, versioned keys (models/<name>/<version>/<sha256>.onnx).
import type { ArtifactSource } from '../serving/serving-ports';

export class R2ArtifactSource implements ArtifactSource {
  constructor(private readonly bucket: R2Bucket) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const object = await this.bucket.get(key);
    return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.bucket.put(key, bytes);
  }
}
