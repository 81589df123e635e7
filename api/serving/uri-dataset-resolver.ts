// Datasets named by URI where the API cannot look at the files itself (the edge): the URI must sit
// under a configured prefix; whether the file exists is checked by the pipeline's validation step,
// which fails the pipeline (dataset_invalid) before anything is trained.
import { WindsockError } from '../../core/windsock-error';
import type { DatasetResolver } from '../pipelines/pipeline-routes';

export class UriDatasetResolver implements DatasetResolver {
  constructor(private readonly allowedPrefixes: string[]) {}

  async resolve(reference: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(reference);
    } catch {
      throw new WindsockError('bad_request', `dataset '${reference}': this API takes dataset URIs (file://...), not paths`);
    }
    const normalised = url.href;
    if (!this.allowedPrefixes.some((prefix) => normalised.startsWith(prefix))) {
      const allowed = this.allowedPrefixes.length ? this.allowedPrefixes.join(', ') : 'none are configured (WINDSOCK_DATASET_PREFIXES)';
      throw new WindsockError('bad_request', `dataset '${reference}' is outside the allowed locations: ${allowed}`);
    }
    if (normalised.includes('/../') || /%2e%2e/i.test(reference)) throw new WindsockError('bad_request', `dataset '${reference}' may not climb out of its location`);
    return normalised;
  }
}
