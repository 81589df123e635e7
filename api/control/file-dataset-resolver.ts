// Datasets the worker reads from this host's filesystem: a path relative to the project or a file://
// URI, under one of the dataset roots (WINDSOCK_DATASET_ROOTS). Anything else is a 400 at submit.
import type { DatasetRoots } from '../../artifacts/dataset-roots';
import type { DatasetResolver } from '../pipelines/pipeline-routes';

export class FileDatasetResolver implements DatasetResolver {
  constructor(private readonly roots: DatasetRoots) {}

  resolve(reference: string): Promise<string> {
    return this.roots.resolve(reference);
  }
}
