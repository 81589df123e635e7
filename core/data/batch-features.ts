// What batch scoring reads from its input: the spec's features only (the target column may be absent,
// since batch inputs are what the model has not seen labelled), checked on a sample at submit as a
// pipeline's dataset is, and encoded per chunk as training and evaluation encode them.
import { CsvError, parseCsv } from './csv';
import { checkDatasetSample, type SampleCheck } from './dataset-sample-check';
import type { ColumnSpec, DatasetSpec } from './dataset-spec';
import { isNullCell, parseNumberCell, type DataTable } from './dataset-validation';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A chunk's records (its text holds whole records, after `header`) as parseCsv reads them. Text
 * without a quote, as numeric exports are, is split on line ends and commas directly, a few times
 * faster; anything else goes through parseCsv. A record of the wrong width is a CsvError either way.
 */
export function parseChunkRows(header: string, chunk: string): string[][] {
  if (chunk.includes('"')) return parseCsv(header + chunk).rows;
  const width = parseCsv(header).header.length;
  const lines = chunk.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const headerLines = header.split('\n').length - 1;
  return lines.map((line, i) => {
    const cells = (line.endsWith('\r') ? line.slice(0, -1) : line).split(',');
    if (cells.length !== width) throw new CsvError(headerLines + i + 1, `expected ${width} fields as in the header, found ${cells.length}`);
    return cells;
  });
}

/** A spec column that is not a feature is left unchecked, as is the target. */
export function checkBatchSample(spec: DatasetSpec, head: string, truncated: boolean): SampleCheck {
  return checkDatasetSample(spec, head, truncated, { featuresOnly: true });
}

/** A cell a model cannot take, named by the input's row number (1 is the row after the header). */
export class BatchRowError extends Error {
  override readonly name = 'BatchRowError';
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(`row ${row}: ${message}`);
  }
}

export interface FeatureColumns {
  /** Each feature's column in the header, in the spec's order. */
  indices: number[];
  /** The id column's index, when one was asked for. */
  idIndex?: number;
}

/** Where the spec's features (and the id column) sit in the header; undefined entries name what is missing. */
export function featureColumns(spec: DatasetSpec, header: readonly string[], idColumn?: string): { columns?: FeatureColumns; missing: string[] } {
  const missing: string[] = [];
  const indices = spec.features.map((f) => {
    const index = header.indexOf(f.name);
    if (index === -1) missing.push(f.name);
    return index;
  });
  let idIndex: number | undefined;
  if (idColumn !== undefined) {
    idIndex = header.indexOf(idColumn);
    if (idIndex === -1) missing.push(idColumn);
  }
  if (missing.length > 0) return { missing };
  return { columns: { indices, ...(idIndex === undefined ? {} : { idIndex }) }, missing };
}

/** One cell as the model takes it; a cell validation would refuse is a BatchRowError naming `row`. */
function encodeCell(column: ColumnSpec, raw: string, row: number): number {
  // The common case first: a plain number, no surrounding space (parseNumberCell's rule, without the trim).
  if (column.type !== 'categorical' && DECIMAL.test(raw)) {
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new BatchRowError(row, `column ${column.name}: the value is not a number`);
    return value;
  }
  if (isNullCell(raw)) {
    if (!column.nullable) throw new BatchRowError(row, `column ${column.name} is empty or null, and the column is not nullable`);
    return Number.NaN;
  }
  if (column.type === 'categorical') {
    const index = column.categories.indexOf(raw);
    if (index === -1) throw new BatchRowError(row, `column ${column.name}: the value is not among its categories [${column.categories.join(', ')}]`);
    return index;
  }
  const parsed = parseNumberCell(raw);
  if (parsed === null) throw new BatchRowError(row, `column ${column.name}: the value is not a number`);
  return parsed;
}

/**
 * The rows' features as float32 values, row-major, as a [rows, features] tensor takes them: numbers
 * as they are, a categorical as its index in the spec's categories, a null in a nullable feature as
 * NaN. A cell validation would refuse is a BatchRowError (`firstRow` numbers the first of `rows`).
 */
export function encodeFeatureRows(spec: DatasetSpec, columns: FeatureColumns, rows: DataTable['rows'], firstRow: number): Float32Array {
  const width = spec.features.length;
  const data = new Float32Array(rows.length * width);
  rows.forEach((cells, r) => {
    spec.features.forEach((column, f) => {
      data[r * width + f] = encodeCell(column, cells[columns.indices[f]!] ?? '', firstRow + r);
    });
  });
  return data;
}

export interface EncodedChunk {
  rows: number;
  features: Float32Array;
  /** The id column's cells, when one was asked for. */
  ids?: string[];
}

/**
 * A chunk's text (whole records, after `header`) straight to features and ids. Text without a quote
 * is read field by field in one pass, with no row of cells made; anything else goes through
 * parseChunkRows and encodeFeatureRows. The two read every chunk the same (batch-features.test.ts).
 */
export function encodeChunk(spec: DatasetSpec, columns: FeatureColumns, header: string, chunk: string, firstRow: number): EncodedChunk {
  if (chunk.includes('"')) {
    const rows = parseChunkRows(header, chunk);
    const ids = columns.idIndex === undefined ? undefined : rows.map((cells) => cells[columns.idIndex!]!);
    return { rows: rows.length, features: encodeFeatureRows(spec, columns, rows, firstRow), ...(ids ? { ids } : {}) };
  }
  const width = parseCsv(header).header.length;
  const headerLines = header.split('\n').length - 1;
  const featureWidth = spec.features.length;
  // For each column of the file: the feature slot it fills (-1: none).
  const slot = new Int32Array(width).fill(-1);
  columns.indices.forEach((column, f) => (slot[column] = f));
  const idIndex = columns.idIndex ?? -1;
  let capacity = 1024;
  let features = new Float32Array(capacity * featureWidth);
  const ids: string[] | undefined = idIndex === -1 ? undefined : [];
  const cells: string[] = new Array<string>(featureWidth).fill('');
  let rows = 0;
  for (let start = 0; start < chunk.length; ) {
    let end = chunk.indexOf('\n', start);
    const next = end === -1 ? chunk.length : end + 1;
    if (end === -1) end = chunk.length;
    if (end > start && chunk.charCodeAt(end - 1) === 13) end--;
    if (rows === capacity) {
      capacity *= 2;
      const grown = new Float32Array(capacity * featureWidth);
      grown.set(features);
      features = grown;
    }
    let field = 0;
    let id = '';
    for (let from = start; ; field++) {
      const comma = chunk.indexOf(',', from);
      const to = comma === -1 || comma > end ? end : comma;
      if (field < width) {
        const f = slot[field]!;
        if (f !== -1) cells[f] = chunk.slice(from, to);
        if (field === idIndex) id = chunk.slice(from, to);
      }
      if (to === end) break;
      from = to + 1;
    }
    if (field + 1 !== width) throw new CsvError(headerLines + rows + 1, `expected ${width} fields as in the header, found ${field + 1}`);
    // In the spec's order, so that a row with two bad cells names the one encodeFeatureRows would.
    for (let f = 0; f < featureWidth; f++) features[rows * featureWidth + f] = encodeCell(spec.features[f]!, cells[f]!, firstRow + rows);
    ids?.push(id);
    rows++;
    start = next;
  }
  return { rows, features: features.slice(0, rows * featureWidth), ...(ids ? { ids } : {}) };
}
