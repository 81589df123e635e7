// Blob store on a local directory; URIs are file:// URLs. Writes go to a uniquely named temp file and
// are renamed, so a reader never sees half an artifact and concurrent writers of one key never collide.
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WindsockError } from '../core/windsock-error';
import type { BlobStore, StoredBlob } from './blob-store';
import { sha256File } from './sha256-file';

export class LocalBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private pathFor(key: string): string {
    const resolved = path.resolve(this.root, key);
    if (!resolved.startsWith(path.resolve(this.root) + path.sep)) {
      throw new WindsockError('bad_request', `artifact key '${key}' escapes the artifact store`);
    }
    return resolved;
  }

  async put(key: string, bytes: Uint8Array | string): Promise<StoredBlob> {
    const target = this.pathFor(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${randomUUID()}`;
    await writeFile(tmp, bytes);
    await rename(tmp, target);
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    return { uri: pathToFileURL(target).href, sha256: sha256Hex(data), size: data.byteLength };
  }

  async putFile(key: string, filePath: string): Promise<StoredBlob> {
    const target = this.pathFor(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${randomUUID()}`;
    await copyFile(filePath, tmp);
    // Hashed as it streams from the copy: a dataset of hundreds of MiB is never held in memory.
    const [sha256, { size }] = await Promise.all([sha256File(tmp), stat(tmp)]);
    await rename(tmp, target);
    return { uri: pathToFileURL(target).href, sha256, size };
  }

  async get(uri: string): Promise<Uint8Array> {
    return readFile(await this.localPath(uri));
  }

  async readHead(uri: string, maxBytes: number): Promise<Uint8Array> {
    return readFileHead(await this.localPath(uri), maxBytes);
  }

  async localPath(uri: string): Promise<string> {
    if (!uri.startsWith('file:')) throw new WindsockError('bad_request', `the local artifact store cannot read '${uri}'`);
    return fileURLToPath(uri);
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await stat(await this.localPath(uri));
      return true;
    } catch {
      return false;
    }
  }
}

/** SHA-256 as lowercase hex, on Node; text is hashed as UTF-8. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A file's first `maxBytes` bytes at most. */
export async function readFileHead(file: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
