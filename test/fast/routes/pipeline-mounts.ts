// The two apps that mount the pipeline routes (/v1/pipelines), so that every pipeline route test runs
// against both: the control API (datasets as paths on its host) and the serving app (datasets as
// URIs under a configured prefix, templates pushed by the control plane).
import { DEFAULT_JSON_BODY_BYTES } from '../../../api/http/body-limit';
import { readExampleTemplate } from '../../../registry/seed-example-models';
import type { AppResponse, RequestOptions } from './app-request';
import { exampleDataset, maxBodyBytes, openControlFixture } from './control-app-fixture';
import type { FakeTemporalGateway } from './fake-temporal-gateway';
import { exampleDatasetUri, openServingFixture } from './serving-app-fixture';

export interface PipelineMount {
  request(method: string, url: string, options?: RequestOptions): Promise<AppResponse>;
  gateway: FakeTemporalGateway;
  /** A dataset reference this app accepts for the example model. */
  dataset: string;
  /** The app's limit on JSON request bodies. */
  maxBodyBytes: number;
  /** A directory under this app's dataset roots where a test may put files (control API only). */
  datasetDir?: string;
  reset(): Promise<void>;
  settle(): Promise<void>;
  expectNothingDone(): Promise<void>;
  close(): Promise<void> | void;
}

export const pipelineMounts: Array<{ name: string; open: (test: string) => Promise<PipelineMount> }> = [
  {
    name: 'control API',
    open: async (test) => {
      const control = await openControlFixture(test);
      return { ...control, dataset: exampleDataset, maxBodyBytes, datasetDir: control.datasetRoots[1] };
    },
  },
  {
    name: 'serving app',
    open: async (test) => {
      const serving = await openServingFixture(test);
      const stored = await serving.request('PUT', '/admin/models/breast-cancer/template', { as: 'root', body: readExampleTemplate('breast-cancer').template });
      if (stored.status !== 200) throw new Error(`storing the template answered ${stored.status}: ${JSON.stringify(stored.body)}`);
      return { ...serving, dataset: exampleDatasetUri, maxBodyBytes: DEFAULT_JSON_BODY_BYTES };
    },
  },
];

/** A pipeline id of the example model (the model's name and 16 hex digits). */
export const pipelineIdOf = (suffix: string) => `breast-cancer-${suffix.padStart(16, '0')}`;
