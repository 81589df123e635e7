// The directories datasets may come from on this host (WINDSOCK_DATASET_ROOTS). A dataset reference, a
// path relative to the project or a file:// URI, is usable only when its real path (symbolic links
// followed) lies under a root; anything else is refused with the rule, never with what was found
// there or where it resolved to.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WindsockError } from '../core/windsock-error';

export class DatasetRoots {
  private real: Promise<string[]> | undefined;

  /** @param roots absolute directories; @param baseDir where relative references resolve (the project root). */
  constructor(
    readonly roots: readonly string[],
    private readonly baseDir: string,
  ) {}

  /** The roots as a person configuring them would name them: relative to the project where inside it. */
  describe(): string {
    const names = this.roots.map((root) => {
      const relative = path.relative(this.baseDir, root);
      return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? `${relative}/` : root;
    });
    return `${names.join(', ') || 'none'} (WINDSOCK_DATASET_ROOTS)`;
  }

  /**
   * The file:// URI of a dataset file, or of a directory when `kind` is 'directory' (retraining's
   * fresh-data location), that lies under a root. Throws `bad_request` (or `code`) naming the rule.
   */
  async resolve(reference: string, options: { kind?: 'file' | 'file_or_directory'; code?: 'bad_request' | 'dataset_invalid' } = {}): Promise<string> {
    const code = options.code ?? 'bad_request';
    const refuse = (why: string) => new WindsockError(code, `dataset '${clip(reference)}' ${why}`);
    let target: string;
    if (reference.startsWith('file:')) {
      try {
        target = fileURLToPath(reference);
      } catch {
        throw refuse('is not a valid file:// URI');
      }
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
      throw refuse('is neither a path under a dataset root nor a file:// URI; this deployment reads datasets from its dataset roots only');
    } else {
      target = path.resolve(this.baseDir, reference);
    }
    // The lexical check first: a path outside every root is refused without looking at it, so the
    // answer says nothing about what exists elsewhere on the host.
    if (!this.roots.some((root) => isInside(root, target))) throw refuse(`is outside the dataset roots: ${this.describe()}`);
    const resolved = await realpath(target).catch(() => undefined);
    if (resolved === undefined) throw refuse(`was not found under the dataset roots`);
    const realRoots = await (this.real ??= Promise.all(this.roots.map((root) => realpath(root).catch(() => root))));
    if (!realRoots.some((root) => isInside(root, resolved))) throw refuse(`leads outside the dataset roots (a symbolic link): ${this.describe()}`);
    const info = await stat(resolved);
    if (!info.isFile() && !(options.kind === 'file_or_directory' && info.isDirectory())) {
      throw refuse(options.kind === 'file_or_directory' ? 'is neither a file nor a directory' : 'is not a file');
    }
    return pathToFileURL(resolved).href;
  }
}

/** The default roots: the examples shipped with Windsock and `$WINDSOCK_HOME/datasets`. */
export function defaultDatasetRoots(projectRoot: string, home: string): string[] {
  return [path.join(projectRoot, 'examples'), path.join(home, 'datasets')];
}

/** WINDSOCK_DATASET_ROOTS: comma-separated directories, relative ones to the project root. */
export function parseDatasetRoots(value: string, projectRoot: string): string[] {
  return value
    .split(',')
    .map((root) => root.trim())
    .filter((root) => root !== '')
    .map((root) => path.resolve(projectRoot, root));
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** References are quoted back to the caller, bounded. */
function clip(reference: string): string {
  return reference.length > 200 ? `${reference.slice(0, 200)}...` : reference;
}
