// Datasets the worker can read from this host's filesystem: a path (relative to the project) or a
// file:// URI. Refuses anything that is not a readable regular file.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WindsockError } from '../../core/windsock-error';
import type { DatasetResolver } from '../pipelines/pipeline-routes';

export class FileDatasetResolver implements DatasetResolver {
  constructor(private readonly baseDir: string) {}

  async resolve(reference: string): Promise<string> {
    let file: string;
    if (reference.startsWith('file:')) {
      try {
        file = fileURLToPath(reference);
      } catch {
        throw new WindsockError('bad_request', `dataset '${reference}' is not a valid file:// URI`);
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(reference)) {
      throw new WindsockError('bad_request', `dataset '${reference}': only local paths and file:// URIs are supported by this deployment`);
    } else {
      file = path.resolve(this.baseDir, reference);
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new WindsockError('bad_request', `dataset '${reference}' is not a file`);
      await access(file, constants.R_OK);
    } catch (err) {
      if (err instanceof WindsockError) throw err;
      throw new WindsockError('bad_request', `dataset '${reference}' not found (looked at ${file})`);
    }
    return pathToFileURL(file).href;
  }
}
