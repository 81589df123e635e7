// Proposes a dataset spec from a sample of a CSV file, for a person to review before a model trains
// on it: column types, nullability, categories, ranges with headroom, the target's classes and checks
// the sample itself passes. The notes say every rule applied, so nothing in the proposal is a guess
// the reader cannot see. Pure: the control API reads the sample (POST /v1/datasets/infer-spec).
import { WindsockError } from '../windsock-error';
import { datasetSpecSchema, type ColumnSpec, type DatasetSpec } from './dataset-spec';
import { isNullCell, parseNumberCell, type DataTable } from './dataset-validation';

export interface InferSpecOptions {
  /** The column the model predicts. */
  target: string;
  /** Strings with more distinct values than this are not categorical (ids, free text); default 50. */
  maxCategories?: number;
}

export interface InferredSpec {
  datasetSpec: DatasetSpec;
  /** What was decided and why, one sentence each: left-out columns, loosened checks, the rules used. */
  notes: string[];
}

/** Ranges are the sample's min and max widened by this share of their span. */
export const RANGE_HEADROOM = 0.1;
export const DEFAULT_MAX_CATEGORIES = 50;
/** A string column with at least this many values is categorical only if at most half of them are distinct. */
const CARDINALITY_MIN_VALUES = 20;
/** An integer column with at most this many distinct values may be codes: a note says so. */
const FEW_INTEGER_VALUES = 10;
const DEFAULT_CHECKS = { minClassShare: 0.05, maxDuplicateShare: 0.01, minRows: 50 };
const NAMES_LISTED = 30;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_LISTED).map((n) => JSON.stringify(n));
  return names.length > NAMES_LISTED ? `${shown.join(', ')} and ${names.length - NAMES_LISTED} more` : shown.join(', ');
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

/**
 * Class labels in the order the model's outputs take them: by value when every label is a number
 * (as scikit-learn orders them), else by code unit (locale-independent, so the same on every host).
 */
export function sortClasses(labels: Iterable<string>): string[] {
  const list = [...labels];
  const numeric = list.every((l) => parseNumberCell(l) !== null);
  return list.sort((a, b) => {
    if (numeric) {
      const byValue = parseNumberCell(a)! - parseNumberCell(b)!;
      if (byValue !== 0) return byValue;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** min and max widened by RANGE_HEADROOM of the span (of the value when constant, 1 when it is 0), rounded outward. */
export function rangeWithHeadroom(min: number, max: number, integer: boolean): { min: number; max: number } {
  const span = max - min;
  let pad = span > 0 ? span * RANGE_HEADROOM : Math.abs(max) * RANGE_HEADROOM;
  if (!Number.isFinite(pad)) return { min, max };
  if (pad === 0) pad = 1;
  let lo = min - pad;
  let hi = max + pad;
  // A quantity never negative in the sample (a count, an age, a price) stays so.
  if (min >= 0 && lo < 0) lo = 0;
  if (integer) {
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
  } else {
    const step = 10 ** Math.floor(Math.log10(pad));
    if (step > 0 && Number.isFinite(step)) {
      lo = Number((Math.floor(lo / step) * step).toPrecision(12));
      hi = Number((Math.ceil(hi / step) * step).toPrecision(12));
    }
  }
  lo = Number.isFinite(lo) ? Math.min(lo, min) : min;
  hi = Number.isFinite(hi) ? Math.max(hi, max) : max;
  return { min: lo, max: hi };
}

interface ColumnCells {
  name: string;
  index: number;
  values: string[];
  nulls: number;
}

function inferColumn(column: ColumnCells, maxCategories: number, notes: string[]): ColumnSpec | undefined {
  const { name, values, nulls } = column;
  const nullable = nulls > 0;
  if (values.length === 0) {
    notes.push(`column ${JSON.stringify(name)} left out: every value in the sample is empty or null`);
    return undefined;
  }
  const numbers = values.map(parseNumberCell);
  if (numbers.every((n) => n !== null)) {
    const list = numbers as number[];
    const integer = list.every((n) => Number.isInteger(n));
    let min = list[0]!;
    let max = list[0]!;
    for (const n of list) {
      if (n < min) min = n;
      if (n > max) max = n;
    }
    if (integer) {
      const distinct = new Set(list).size;
      if (distinct <= FEW_INTEGER_VALUES) {
        notes.push(`column ${JSON.stringify(name)}: integer with ${distinct} distinct values; if they are codes rather than quantities, make it categorical`);
      }
    }
    return { name, type: integer ? 'integer' : 'float', nullable, ...rangeWithHeadroom(min, max, integer) };
  }
  const distinct = new Set(values);
  const fewEnough = distinct.size <= maxCategories && (values.length < CARDINALITY_MIN_VALUES || distinct.size * 2 <= values.length);
  if (!fewEnough) {
    notes.push(
      `column ${JSON.stringify(name)} left out: ${distinct.size} distinct text values in ${values.length} rows, which reads as an id or free text; ` +
        `a categorical column has at most ${maxCategories} and, from ${CARDINALITY_MIN_VALUES} rows on, at most one per two rows`,
    );
    return undefined;
  }
  return { name, type: 'categorical', nullable, categories: sortClasses(distinct) };
}

/** Rows repeating an earlier row on the given columns, as validateDataset counts them. */
function duplicateRows(rows: DataTable['rows'], indices: number[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const cells of rows) {
    const key = JSON.stringify(indices.map((i) => cells[i] ?? ''));
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  return duplicates;
}

/**
 * A spec for the sample, with `target` as the target: its classes sorted (sortClasses), for a binary
 * target the minority class as positive (the second class on a tie); features in file order, minus
 * columns whose type cannot be told (all null, high-cardinality text). The sample passes the spec's
 * validation: where it fails a default check (too few rows, duplicates, a rare class) the check is
 * loosened to the sample and a note says so. WindsockError bad_request when no spec can be made.
 */
export function inferDatasetSpec(table: DataTable, options: InferSpecOptions): InferredSpec {
  const { header, rows } = table;
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  const notes: string[] = [];

  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of header) (seen.has(name) ? repeated : seen).add(name);
  if (repeated.size > 0) throw new WindsockError('bad_request', `column names must be unique; the header repeats ${listNames([...repeated])}`);
  const targetIndex = header.indexOf(options.target);
  if (targetIndex === -1) throw new WindsockError('bad_request', `no column named ${JSON.stringify(options.target)}; the columns are ${listNames(header)}`);
  if (rows.length === 0) throw new WindsockError('bad_request', 'the sample has a header but no data rows');

  const target = options.target;
  const classCounts = new Map<string, number>();
  const nullTargets: number[] = [];
  rows.forEach((cells, r) => {
    const label = cells[targetIndex] ?? '';
    if (isNullCell(label)) nullTargets.push(r + 1);
    else classCounts.set(label, (classCounts.get(label) ?? 0) + 1);
  });
  if (nullTargets.length > 0) {
    const shown = nullTargets.slice(0, 5).join(', ');
    throw new WindsockError('bad_request', `target ${JSON.stringify(target)}: ${nullTargets.length} empty or null values (rows ${shown}${nullTargets.length > 5 ? ', ...' : ''}); every row needs a class`);
  }
  if (classCounts.size < 2) throw new WindsockError('bad_request', `target ${JSON.stringify(target)} has a single value in the sample; a classifier needs at least two classes`);
  if (classCounts.size > maxCategories) {
    throw new WindsockError('bad_request', `target ${JSON.stringify(target)} has ${classCounts.size} distinct values (at most ${maxCategories} classes): it reads as a number or an id, not a class; choose another target`);
  }
  const classes = sortClasses(classCounts.keys());
  let positiveClass: string | undefined;
  if (classes.length === 2) {
    const [first, second] = classes as [string, string];
    positiveClass = classCounts.get(first)! < classCounts.get(second)! ? first : second;
    notes.push(`target ${JSON.stringify(target)}: classes ${listNames(classes)}; positiveClass ${JSON.stringify(positiveClass)}, the minority class (the second class on a tie): check it is the one precision and recall should be about`);
  } else {
    notes.push(`target ${JSON.stringify(target)}: ${classes.length} classes ${listNames(classes)}; no positiveClass, so metrics are macro, weighted and per class`);
  }

  const features: ColumnSpec[] = [];
  const featureIndices: number[] = [];
  header.forEach((name, index) => {
    if (index === targetIndex) return;
    if (name.trim() === '') {
      notes.push(`column ${index + 1} left out: it has no name in the header`);
      return;
    }
    const values: string[] = [];
    let nulls = 0;
    for (const cells of rows) {
      const raw = cells[index] ?? '';
      if (isNullCell(raw)) nulls++;
      else values.push(raw);
    }
    const spec = inferColumn({ name, index, values, nulls }, maxCategories, notes);
    if (spec) {
      features.push(spec);
      featureIndices.push(index);
    }
  });
  if (features.length === 0) throw new WindsockError('bad_request', `no column besides the target can be a feature: ${notes.filter((n) => n.startsWith('column')).join('; ') || 'the file has only the target column'}`);
  notes.push(
    `ranges: the sample's min and max widened by ${RANGE_HEADROOM * 100}% of their span (of the value when constant), rounded outward; ` +
      `never below 0 for a column without negative values`,
  );
  notes.push(`categories: text columns with at most ${maxCategories} distinct values; integers stay numeric; empty, NA, NaN and null are nulls, and a column with any is nullable`);

  const checks = { ...DEFAULT_CHECKS };
  if (rows.length < checks.minRows) {
    checks.minRows = rows.length;
    notes.push(`checks.minRows lowered to ${rows.length}, the sample's rows, from the default ${DEFAULT_CHECKS.minRows}: train on more rows than that`);
  }
  const duplicateShare = duplicateRows(rows, [...featureIndices, targetIndex]) / rows.length;
  if (duplicateShare > checks.maxDuplicateShare) {
    const allowed = Math.min(1, Math.max(duplicateShare, Math.ceil(duplicateShare * 100) / 100));
    checks.maxDuplicateShare = allowed;
    notes.push(`checks.maxDuplicateShare raised to ${allowed} from the default ${DEFAULT_CHECKS.maxDuplicateShare}: ${percent(duplicateShare)} of the sample's rows repeat an earlier row`);
  }
  const [rarest, rarestCount] = [...classCounts].reduce((a, b) => (b[1] < a[1] ? b : a));
  const rarestShare = rarestCount / rows.length;
  if (rarestShare < checks.minClassShare) {
    let allowed = Math.floor(rarestShare * 1000) / 1000;
    if (allowed > rarestShare) allowed = rarestShare;
    checks.minClassShare = allowed;
    notes.push(`checks.minClassShare lowered to ${allowed} from the default ${DEFAULT_CHECKS.minClassShare}: class ${JSON.stringify(rarest)} holds ${percent(rarestShare)} of the sample's rows`);
  }

  const datasetSpec = datasetSpecSchema.parse({
    features,
    target: { name: target, classes, ...(positiveClass === undefined ? {} : { positiveClass }) },
    checks,
  });
  return { datasetSpec, notes };
}
