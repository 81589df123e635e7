// The first rows of a dataset checked against a model's spec when a pipeline is submitted, so that a
// dataset that cannot fit (a column missing, text where numbers go, a category the spec does not list,
// a value out of range) is a 400 then, not a pipeline that fails after it was queued. Checks that need
// every row (row count, class balance, duplicates) are left to validation, which reads the whole file.
import { CsvError, parseCsv } from './csv';
import type { DatasetSpec } from './dataset-spec';
import { validateDataset, type IssueCheck } from './dataset-validation';

const SAMPLE_CHECKS: ReadonlySet<IssueCheck> = new Set(['schema', 'type', 'null', 'range', 'category']);

export interface SampleCheck {
  /** Data rows checked. */
  rows: number;
  /** What does not fit, as validation words it (spec columns, counts and row numbers; never cell values). */
  problems: string[];
}

export interface SampleOptions {
  /**
   * Batch scoring's inputs: the features only (the target column may be absent, since a batch is what
   * the model has not seen labelled), and an empty file is a problem at once.
   */
  featuresOnly?: boolean;
}

/**
 * Checks `head`, the dataset's first bytes; `truncated` when the file goes on (its last, partial line
 * is then dropped). A sample that is not CSV is a problem only when it is the whole file: a quoted
 * field cut by the sample's end is not the file's fault.
 */
export function checkDatasetSample(spec: DatasetSpec, head: string, truncated: boolean, options: SampleOptions = {}): SampleCheck {
  const end = truncated ? head.lastIndexOf('\n') : head.length;
  if (end <= 0) return { rows: 0, problems: options.featuresOnly && !truncated ? ['the file is empty; expected a header row'] : [] };
  let table;
  try {
    table = parseCsv(head.slice(0, end));
  } catch (err) {
    if (err instanceof CsvError && !truncated) return { rows: 0, problems: [`it is not valid CSV: ${err.message}`] };
    return { rows: 0, problems: [] };
  }
  const report = validateDataset(spec, table);
  const checked = report.errors.filter((issue) => SAMPLE_CHECKS.has(issue.check) && !(options.featuresOnly && issue.column === spec.target.name));
  return { rows: table.rows.length, problems: checked.map((issue) => issue.message) };
}
