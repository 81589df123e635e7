// Job inputs on the runner, stored by their sha256: an upload is verified against the digest it is
// put under, and a dataset already here is never sent twice.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WindsockError } from '../core/windsock-error';

export class InputStore {
  constructor(private readonly dir: string) {}

  pathOf(sha256: string): string {
    return path.join(this.dir, sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  /** Streams the body to disk, hashing as it goes; a body whose digest differs is refused (400). */
  async put(sha256: string, body: ReadableStream<Uint8Array>, maxBytes: number): Promise<{ size: number; created: boolean }> {
    if (this.has(sha256)) {
      await body.cancel();
      return { size: 0, created: false };
    }
    await mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.upload-${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    const counted = Readable.fromWeb(body).map((chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) throw new WindsockError('payload_too_large', `input is larger than the runner's limit of ${maxBytes} bytes`);
      hash.update(chunk);
      return chunk;
    });
    try {
      await pipeline(counted, createWriteStream(tmp));
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new WindsockError('bad_request', `input body has sha256 ${actual}, not the ${sha256} it was put under`);
      await rename(tmp, this.pathOf(sha256));
      return { size, created: true };
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
