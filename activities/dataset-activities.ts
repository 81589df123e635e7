// Lifecycle step 1: validate the dataset against its spec, fingerprint it, and split off the holdout.
import { createHash } from 'node:crypto';
import { parseCsv, toCsv } from '../core/data/csv';
import type { DatasetSpec } from '../core/data/dataset-spec';
import { splitHoldout } from '../core/data/dataset-split';
import { toFeatureMatrix, validateDataset as checkDataset } from '../core/data/dataset-validation';
import { readDataset } from '../artifacts/dataset-reader';
import type { DatasetSources } from '../artifacts/dataset-sources';
import { WindsockError } from '../core/windsock-error';
import type { ActivityDeps } from './activity-deps';

export interface ValidateDatasetInput {
  pipelineId: string;
  datasetUri: string;
  spec: DatasetSpec;
  holdout: { fraction: number; seed: number };
}

export interface ValidatedDataset {
  sha256: string;
  rowCount: number;
  trainRows: number;
  holdoutRows: number;
  trainUri: string;
  holdoutUri: string;
  reportUri: string;
  warnings: string[];
  classCounts: Record<string, number>;
}

/**
 * The dataset's bytes: a file once its real path is known to lie under a dataset root, an s3:// object,
 * an https:// URL on an allow-listed host, or a pinned dataset://name/v (artifacts/dataset-reader.ts).
 */
export function readDatasetBytes(uri: string, sources: DatasetSources): Promise<Buffer> {
  return readDataset(uri, sources);
}

export function datasetActivities(deps: ActivityDeps) {
  return {
    async validateDataset(input: ValidateDatasetInput): Promise<ValidatedDataset> {
      const bytes = await readDatasetBytes(input.datasetUri, deps);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      let table;
      try {
        table = parseCsv(bytes.toString('utf8'));
      } catch (err) {
        throw new WindsockError('dataset_invalid', `dataset ${input.datasetUri} is not valid CSV: ${(err as Error).message}`);
      }
      const report = checkDataset(input.spec, table);
      const prefix = `datasets/${sha256}`;
      const reportBlob = await deps.blobs.put(`${prefix}/validation-report.json`, JSON.stringify(report, null, 2));
      if (!report.ok) {
        const summary = report.errors.slice(0, 5).map((e) => e.message).join('; ');
        throw new WindsockError('dataset_invalid', `dataset failed validation (${report.errors.length} problems): ${summary}`, {
          details: { reportUri: reportBlob.uri },
        });
      }
      const { labels } = toFeatureMatrix(input.spec, table);
      const split = splitHoldout(table.rows.length, labels, { holdoutFraction: input.holdout.fraction, seed: input.holdout.seed });
      const splitKey = `${prefix}/split-${input.holdout.fraction}-${input.holdout.seed}`;
      const train = await deps.blobs.put(`${splitKey}/train.csv`, toCsv(table.header, split.train.map((i) => table.rows[i]!)));
      const holdout = await deps.blobs.put(`${splitKey}/holdout.csv`, toCsv(table.header, split.holdout.map((i) => table.rows[i]!)));
      return {
        sha256,
        rowCount: report.rowCount,
        trainRows: split.train.length,
        holdoutRows: split.holdout.length,
        trainUri: train.uri,
        holdoutUri: holdout.uri,
        reportUri: reportBlob.uri,
        warnings: report.warnings.map((w) => w.message),
        classCounts: report.classCounts,
      };
    },
  };
}
