// Checks a parsed dataset against its spec before any training runs, and turns a valid one
// into the numeric matrix a model takes. Messages name the spec's column, the count and sample rows
// so that the person who owns the data can fix it without reading code; they quote nothing else of
// the file (a message reaches every viewer of the pipeline), and the offending values go to the
// report's `samples`.
import type { ColumnSpec, DatasetSpec } from './dataset-spec';

export type DataTable = { header: readonly string[]; rows: readonly (readonly string[])[] };

export type IssueCheck = 'schema' | 'type' | 'null' | 'range' | 'category' | 'duplicates' | 'class_balance' | 'row_count';

export type Issue = {
  check: IssueCheck;
  column?: string;
  message: string;
  count?: number;
  /** Up to MAX_EXAMPLES 1-based data row numbers (the first row after the header is 1). */
  examples?: number[];
  /** A few of the offending values or header names, for the report only (never in `message`). */
  samples?: string[];
};

export type ColumnSummary = { nulls: number; min?: number; max?: number; mean?: number };

export type DatasetReport = {
  ok: boolean;
  rowCount: number;
  columnCount: number;
  errors: Issue[];
  warnings: Issue[];
  /** Rows per target class, every class in the spec listed, in spec order. */
  classCounts: Record<string, number>;
  /** Rows identical, on the spec's columns, to an earlier row. */
  duplicateRows: number;
  /** One entry per spec column (features and target) found in the header; min/max/mean for numeric features with any numbers. */
  columns: Record<string, ColumnSummary>;
};

export type FeatureMatrix = { features: number[][]; labels: number[] };

export const MAX_EXAMPLES = 5;
/** Cell values read as missing, after trimming surrounding whitespace. */
export const NULL_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'NaN', 'null']);

const decimalNumber = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function isNullCell(raw: string): boolean {
  return NULL_TOKENS.has(raw.trim());
}

/**
 * A finite decimal number, surrounding whitespace allowed; null otherwise. Stricter than
 * Number(), which also reads '0x1f', 'Infinity' and '' (as 0).
 */
export function parseNumberCell(raw: string): number | null {
  const text = raw.trim();
  if (!decimalNumber.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** Thrown by toFeatureMatrix on a cell it cannot encode; run validateDataset first. */
export class DatasetEncodingError extends Error {
  override readonly name = 'DatasetEncodingError';
  /** 1-based data row number; null when the problem is the header. */
  readonly row: number | null;

  constructor(row: number | null, message: string) {
    super(row === null ? message : `row ${row}: ${message}`);
    this.row = row;
  }
}

/** Rows that failed one kind of check in one column, with a few offending values to quote. */
class Finding {
  count = 0;
  readonly rows: number[] = [];
  readonly values: string[] = [];

  add(row: number, value?: string): void {
    this.count++;
    if (this.rows.length < MAX_EXAMPLES) this.rows.push(row);
    if (value !== undefined && this.values.length < 3 && !this.values.includes(value)) this.values.push(value);
  }
}

function plural(count: number, singular: string, many: string): string {
  return `${count} ${count === 1 ? singular : many}`;
}

function rowList(finding: Finding): string {
  const more = finding.count > finding.rows.length ? ', ...' : '';
  return `(${finding.rows.length === 1 ? 'row' : 'rows'} ${finding.rows.join(', ')}${more})`;
}


function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

function issueFrom(check: IssueCheck, column: string | undefined, finding: Finding, message: string): Issue {
  return {
    check,
    ...(column === undefined ? {} : { column }),
    message,
    count: finding.count,
    examples: finding.rows.slice(),
    ...(finding.values.length > 0 ? { samples: finding.values.slice() } : {}),
  };
}

type ColumnPlan = { spec: ColumnSpec; index: number; isTarget: boolean };

function checkColumn(plan: ColumnPlan, rows: DataTable['rows'], errors: Issue[]): ColumnSummary {
  const { spec, index, isTarget } = plan;
  const label = isTarget ? `target ${spec.name}` : `column ${spec.name}`;
  const nulls = new Finding();
  const notNumbers = new Finding();
  const notIntegers = new Finding();
  const belowMin = new Finding();
  const aboveMax = new Finding();
  const outsideCategories = new Finding();
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;

  rows.forEach((cells, r) => {
    const row = r + 1;
    const raw = cells[index] ?? '';
    if (isNullCell(raw)) {
      nulls.add(row);
      return;
    }
    if (spec.type === 'categorical') {
      if (!spec.categories.includes(raw)) outsideCategories.add(row, raw);
      return;
    }
    const value = parseNumberCell(raw);
    if (value === null) {
      notNumbers.add(row, raw);
      return;
    }
    if (spec.type === 'integer' && !Number.isInteger(value)) notIntegers.add(row, raw);
    if (spec.min !== undefined && value < spec.min) belowMin.add(row);
    if (spec.max !== undefined && value > spec.max) aboveMax.add(row);
    count++;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  });

  const name = spec.name;
  if (nulls.count > 0 && (isTarget || !spec.nullable)) {
    const why = isTarget ? 'every row needs a class' : 'the column is not nullable';
    errors.push(issueFrom('null', name, nulls, `${label}: ${plural(nulls.count, 'empty or null value', 'empty or null values')}, but ${why} ${rowList(nulls)}`));
  }
  if (notNumbers.count > 0) {
    errors.push(issueFrom('type', name, notNumbers, `${label}: ${plural(notNumbers.count, 'value is not a number', 'values are not numbers')} ${rowList(notNumbers)}`));
  }
  if (notIntegers.count > 0) {
    errors.push(issueFrom('type', name, notIntegers, `${label}: ${plural(notIntegers.count, 'value is not an integer', 'values are not integers')} ${rowList(notIntegers)}`));
  }
  if (spec.type !== 'categorical') {
    if (belowMin.count > 0) {
      errors.push(issueFrom('range', name, belowMin, `${label}: ${plural(belowMin.count, 'value', 'values')} below min ${spec.min} ${rowList(belowMin)}`));
    }
    if (aboveMax.count > 0) {
      errors.push(issueFrom('range', name, aboveMax, `${label}: ${plural(aboveMax.count, 'value', 'values')} above max ${spec.max} ${rowList(aboveMax)}`));
    }
  } else if (outsideCategories.count > 0) {
    const allowed = `${isTarget ? 'classes' : 'categories'} [${spec.categories.join(', ')}]`;
    errors.push(
      issueFrom('category', name, outsideCategories, `${label}: ${plural(outsideCategories.count, 'value is not', 'values are not')} among its ${allowed} ${rowList(outsideCategories)}`),
    );
  }

  const summary: ColumnSummary = { nulls: nulls.count };
  if (spec.type !== 'categorical' && count > 0) {
    summary.min = min;
    summary.max = max;
    summary.mean = sum / count;
  }
  return summary;
}

/** The target as a categorical column, so that one code path checks features and target. */
function targetColumn(spec: DatasetSpec): ColumnSpec {
  return { name: spec.target.name, type: 'categorical', nullable: false, categories: spec.target.classes };
}

/**
 * Validates a table against a spec. Every check runs even after an error, so one report lists
 * everything to fix. Columns outside the spec are ignored (with a warning), also when looking
 * for duplicate rows. Class shares are taken over rows whose target is a known class.
 */
export function validateDataset(spec: DatasetSpec, table: DataTable): DatasetReport {
  const { header, rows } = table;
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const specColumns = [...spec.features, targetColumn(spec)];
  const specNames = new Set(specColumns.map((c) => c.name));

  const firstIndex = new Map<string, number>();
  const occurrences = new Map<string, number>();
  header.forEach((name, i) => {
    if (!firstIndex.has(name)) firstIndex.set(name, i);
    occurrences.set(name, (occurrences.get(name) ?? 0) + 1);
  });
  for (const [name, times] of occurrences) {
    if (times > 1) {
      // A name the spec does not know is the file's content: the report keeps it, the message does not.
      const known = specNames.has(name);
      errors.push({
        check: 'schema',
        ...(known ? { column: name, message: `column ${name} appears ${times} times in the header; column names must be unique` } : { message: `a column not in the spec appears ${times} times in the header; column names must be unique`, samples: [name] }),
      });
    }
  }

  const plans: ColumnPlan[] = [];
  specColumns.forEach((column, i) => {
    const isTarget = i === specColumns.length - 1;
    const index = firstIndex.get(column.name);
    if (index === undefined) {
      const what = isTarget ? 'the target column' : `a feature (${column.type})`;
      errors.push({ check: 'schema', column: column.name, message: `column ${column.name} is missing from the file; the spec lists it as ${what}` });
    } else {
      plans.push({ spec: column, index, isTarget });
    }
  });
  const unknown = [...firstIndex.keys()].filter((name) => !specNames.has(name));
  if (unknown.length > 0) {
    warnings.push({ check: 'schema', message: `${plural(unknown.length, 'column is', 'columns are')} not in the spec and will be ignored`, count: unknown.length, samples: unknown.slice(0, MAX_EXAMPLES) });
  }

  const ragged = new Finding();
  rows.forEach((cells, r) => {
    if (cells.length !== header.length) ragged.add(r + 1);
  });
  if (ragged.count > 0) {
    errors.push(issueFrom('schema', undefined, ragged, `${plural(ragged.count, 'row has', 'rows have')} a different number of fields than the header's ${header.length} ${rowList(ragged)}`));
  }

  const columns: Record<string, ColumnSummary> = {};
  for (const plan of plans) columns[plan.spec.name] = checkColumn(plan, rows, errors);

  const duplicates = new Finding();
  const seen = new Set<string>();
  // With no spec column present every row would look alike; the schema errors say enough.
  if (plans.length > 0) {
    rows.forEach((cells, r) => {
      const key = JSON.stringify(plans.map((p) => cells[p.index] ?? ''));
      if (seen.has(key)) duplicates.add(r + 1);
      else seen.add(key);
    });
  }
  if (duplicates.count > 0) {
    const share = duplicates.count / rows.length;
    const allowed = spec.checks.maxDuplicateShare;
    const over = share > allowed;
    const message = `${plural(duplicates.count, 'row repeats', 'rows repeat')} an earlier row (${percent(share)} of rows; at most ${percent(allowed)} allowed) ${rowList(duplicates)}`;
    (over ? errors : warnings).push(issueFrom('duplicates', undefined, duplicates, message));
  }

  const counts = new Map<string, number>(spec.target.classes.map((name) => [name, 0]));
  const targetPlan = plans.find((p) => p.isTarget);
  if (targetPlan) {
    for (const cells of rows) {
      const value = cells[targetPlan.index] ?? '';
      const current = counts.get(value);
      if (current !== undefined) counts.set(value, current + 1);
    }
  }
  const classCounts: Record<string, number> = Object.fromEntries(counts);
  const labelled = [...counts.values()].reduce((a, b) => a + b, 0);
  // With no labelled rows the target or row-count errors already explain the problem.
  if (labelled > 0) {
    for (const [name, classCount] of counts) {
      const share = classCount / labelled;
      if (share < spec.checks.minClassShare) {
        errors.push({
          check: 'class_balance',
          column: spec.target.name,
          count: classCount,
          message: `class ${name}: ${plural(classCount, 'row', 'rows')} (${percent(share)} of labelled rows), below the ${percent(spec.checks.minClassShare)} minimum`,
        });
      }
    }
  }

  if (rows.length < spec.checks.minRows) {
    errors.push({
      check: 'row_count',
      count: rows.length,
      message: `the file has ${plural(rows.length, 'data row', 'data rows')}; at least ${spec.checks.minRows} are required`,
    });
  }

  return {
    ok: errors.length === 0,
    rowCount: rows.length,
    columnCount: header.length,
    errors,
    warnings,
    classCounts,
    duplicateRows: duplicates.count,
    columns,
  };
}

/**
 * Encodes a table for a model: one row of numbers per data row, features in spec order,
 * a categorical as its index in the spec's categories, nulls as NaN; each label as its class
 * index. Throws DatasetEncodingError on a cell that validation would have rejected as the
 * wrong type or category; ranges and nullability are not rechecked here.
 */
export function toFeatureMatrix(spec: DatasetSpec, table: DataTable): FeatureMatrix {
  const columnIndex = (name: string): number => {
    const index = table.header.indexOf(name);
    if (index === -1) throw new DatasetEncodingError(null, `column ${name} is missing from the header`);
    return index;
  };
  const featureIndices = spec.features.map((f) => columnIndex(f.name));
  const targetIndex = columnIndex(spec.target.name);

  const features: number[][] = [];
  const labels: number[] = [];
  table.rows.forEach((cells, r) => {
    const row = r + 1;
    features.push(
      spec.features.map((column, f) => {
        const raw = cells[featureIndices[f]!] ?? '';
        if (isNullCell(raw)) return Number.NaN;
        if (column.type === 'categorical') {
          const category = column.categories.indexOf(raw);
          if (category === -1) throw new DatasetEncodingError(row, `column ${column.name}: ${JSON.stringify(raw)} is not one of its categories`);
          return category;
        }
        const value = parseNumberCell(raw);
        if (value === null) throw new DatasetEncodingError(row, `column ${column.name}: ${JSON.stringify(raw)} is not a number`);
        return value;
      }),
    );
    const rawLabel = cells[targetIndex] ?? '';
    const label = spec.target.classes.indexOf(rawLabel);
    if (label === -1) throw new DatasetEncodingError(row, `target ${spec.target.name}: ${JSON.stringify(rawLabel)} is not one of its classes`);
    labels.push(label);
  });
  return { features, labels };
}
