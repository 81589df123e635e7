import { describe, expect, it } from 'vitest';
import { datasetSpecSchema } from './dataset-spec';
import { DatasetEncodingError, isNullCell, parseNumberCell, toFeatureMatrix, validateDataset } from './dataset-validation';

const spec = datasetSpecSchema.parse({
  features: [
    { name: 'mean_radius', type: 'float', min: 0, max: 50 },
    { name: 'age', type: 'integer', nullable: true },
    { name: 'color', type: 'categorical', categories: ['red', 'green'] },
  ],
  target: { name: 'diagnosis', classes: ['B', 'M'], positiveClass: 'M' },
  checks: { minRows: 5, minClassShare: 0.25, maxDuplicateShare: 0.1 },
});

const header = ['mean_radius', 'age', 'color', 'diagnosis'];
const cleanRows = [
  ['10.5', '40', 'red', 'B'],
  ['12.25', '41', 'green', 'M'],
  ['8', 'NA', 'red', 'B'],
  ['20', '35', 'green', 'M'],
  ['14.75', '', 'green', 'B'],
  ['9.5', '50', 'red', 'B'],
  ['11', '28', 'red', 'M'],
  ['13', '33', 'green', 'B'],
];

describe('validateDataset', () => {
  it('accepts a clean table and summarises its columns', () => {
    const report = validateDataset(spec, { header, rows: cleanRows });
    expect(report.ok).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.rowCount).toBe(8);
    expect(report.columnCount).toBe(4);
    expect(report.classCounts).toEqual({ B: 5, M: 3 });
    expect(report.duplicateRows).toBe(0);
    // Hand-worked: mean_radius sums to 99 over 8 rows; age sums to 227 over 6 non-null rows.
    expect(report.columns).toEqual({
      mean_radius: { nulls: 0, min: 8, max: 20, mean: 12.375 },
      age: { nulls: 2, min: 28, max: 50, mean: 227 / 6 },
      color: { nulls: 0 },
      diagnosis: { nulls: 0 },
    });
  });

  it('reports every problem with the column, count and 1-based rows', () => {
    const rows = [
      ['1', '10.5', '40', 'red', 'B'],
      ['2', '-1', '41', 'green', 'M'],
      ['3', 'abc', 'NA', 'blue', 'B'],
      ['4', '60', '2.5', 'red', 'X'],
      ['5', 'NA', '30', '', 'B'],
      ['6', '-2', '30', 'red', ''],
      ['7', '12', '1e1', 'green', 'M'],
      ['8', '12', '1e1', 'green', 'M'],
    ];
    const report = validateDataset(spec, { header: ['id', ...header], rows });
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([
      { check: 'null', column: 'mean_radius', count: 1, examples: [5], message: 'column mean_radius: 1 empty or null value, but the column is not nullable (row 5)' },
      { check: 'type', column: 'mean_radius', count: 1, examples: [3], message: 'column mean_radius: 1 value is not a number (row 3)', samples: ['abc'] },
      { check: 'range', column: 'mean_radius', count: 2, examples: [2, 6], message: 'column mean_radius: 2 values below min 0 (rows 2, 6)' },
      { check: 'range', column: 'mean_radius', count: 1, examples: [4], message: 'column mean_radius: 1 value above max 50 (row 4)' },
      { check: 'type', column: 'age', count: 1, examples: [4], message: 'column age: 1 value is not an integer (row 4)', samples: ['2.5'] },
      { check: 'null', column: 'color', count: 1, examples: [5], message: 'column color: 1 empty or null value, but the column is not nullable (row 5)' },
      { check: 'category', column: 'color', count: 1, examples: [3], message: 'column color: 1 value is not among its categories [red, green] (row 3)', samples: ['blue'] },
      { check: 'null', column: 'diagnosis', count: 1, examples: [6], message: 'target diagnosis: 1 empty or null value, but every row needs a class (row 6)' },
      { check: 'category', column: 'diagnosis', count: 1, examples: [4], message: 'target diagnosis: 1 value is not among its classes [B, M] (row 4)', samples: ['X'] },
      // Rows 7 and 8 differ only in the id column, which is outside the spec.
      { check: 'duplicates', count: 1, examples: [8], message: '1 row repeats an earlier row (12.5% of rows; at most 10% allowed) (row 8)' },
    ]);
    expect(report.warnings).toEqual([{ check: 'schema', count: 1, message: '1 column is not in the spec and will be ignored', samples: ['id'] }]);
    expect(report.duplicateRows).toBe(1);
    expect(report.classCounts).toEqual({ B: 3, M: 3 });
    // Hand-worked: mean_radius numbers 10.5, -1, 60, -2, 12, 12 sum to 91.5;
    // age numbers 40, 41, 2.5, 30, 30, 10, 10 sum to 163.5.
    expect(report.columns).toEqual({
      mean_radius: { nulls: 1, min: -2, max: 60, mean: 91.5 / 6 },
      age: { nulls: 1, min: 2.5, max: 41, mean: 163.5 / 7 },
      color: { nulls: 1 },
      diagnosis: { nulls: 1 },
    });
  });

  it('lists at most five example rows and says there are more', () => {
    const rows = cleanRows.map((r, i) => (i < 7 ? ['', ...r.slice(1)] : r));
    const [issue] = validateDataset(spec, { header, rows }).errors;
    expect(issue).toMatchObject({ check: 'null', count: 7, examples: [1, 2, 3, 4, 5] });
    expect(issue!.message).toBe('column mean_radius: 7 empty or null values, but the column is not nullable (rows 1, 2, 3, 4, 5, ...)');
  });

  it('reports missing and repeated columns as schema errors', () => {
    const report = validateDataset(spec, { header: ['mean_radius', 'mean_radius', 'color'], rows: [] });
    expect(report.errors.filter((e) => e.check === 'schema').map((e) => e.message)).toEqual([
      'column mean_radius appears 2 times in the header; column names must be unique',
      'column age is missing from the file; the spec lists it as a feature (integer)',
      'column diagnosis is missing from the file; the spec lists it as the target column',
    ]);
  });

  it("quotes nothing of the file in its messages but the spec's column names (every viewer reads them)", () => {
    // /etc/passwd, had it been read: unknown columns, one of them twice, and rows of its lines.
    const header = ['root:x:0:0:root:/root:/bin/bash', 'root:x:0:0:root:/root:/bin/bash', 'mean_radius', 'diagnosis'];
    const rows = [['daemon:x:1:1', 'bin:x:2:2', 'sys:x:3:3', 'sync:x:4:65534']];
    const report = validateDataset(spec, { header, rows });
    const messages = [...report.errors, ...report.warnings].map((i) => i.message);
    expect(messages.length).toBeGreaterThan(3);
    for (const message of messages) expect(message).not.toMatch(/root|daemon|bin|sys|sync|x:/);
    expect(report.errors.flatMap((i) => i.samples ?? [])).toEqual(expect.arrayContaining(['root:x:0:0:root:/root:/bin/bash', 'sys:x:3:3']));
  });

  it('fails a class below the minimum share, counting only labelled rows', () => {
    // 7 B and 1 M: M holds 12.5% of the 8 labelled rows, below 25%.
    const rows = cleanRows.map((r) => [...r.slice(0, 3), 'B']);
    rows[0] = [...rows[0]!.slice(0, 3), 'M'];
    const report = validateDataset(spec, { header, rows });
    expect(report.classCounts).toEqual({ B: 7, M: 1 });
    expect(report.errors).toEqual([
      { check: 'class_balance', column: 'diagnosis', count: 1, message: 'class M: 1 row (12.5% of labelled rows), below the 25% minimum' },
    ]);
  });

  it('warns about duplicates within the allowed share and fails too few rows', () => {
    const lenient = { ...spec, checks: { ...spec.checks, maxDuplicateShare: 0.5, minRows: 50 } };
    const rows = [...cleanRows, cleanRows[0]!];
    const report = validateDataset(lenient, { header, rows });
    expect(report.warnings.map((w) => w.check)).toEqual(['duplicates']);
    expect(report.errors).toEqual([{ check: 'row_count', count: 9, message: 'the file has 9 data rows; at least 50 are required' }]);
  });
});

describe('cell parsing', () => {
  it('reads NA, NaN, null and blanks as null', () => {
    expect(['', '  ', 'NA', 'NaN', 'null', ' NA '].every(isNullCell)).toBe(true);
    expect(['0', 'na', 'None', 'x'].some(isNullCell)).toBe(false);
  });

  it('reads finite decimals only', () => {
    expect(['1', ' -2.5 ', '.5', '3.', '1e-3', '+4E2'].map(parseNumberCell)).toEqual([1, -2.5, 0.5, 3, 0.001, 400]);
    expect(['', 'abc', '0x1f', 'Infinity', '1e999', '1,5', '--1'].map(parseNumberCell)).toEqual([null, null, null, null, null, null, null]);
  });
});

describe('toFeatureMatrix', () => {
  it('encodes features in spec order, categoricals and labels as indices, nulls as NaN', () => {
    const table = {
      header: ['diagnosis', 'color', 'id', 'age', 'mean_radius'],
      rows: [
        ['M', 'green', 'a', '41', '12.25'],
        ['B', 'red', 'b', 'NA', '8'],
      ],
    };
    expect(toFeatureMatrix(spec, table)).toEqual({
      features: [
        [12.25, 41, 1],
        [8, Number.NaN, 0],
      ],
      labels: [1, 0],
    });
  });

  it('throws with the row number on cells it cannot encode', () => {
    const bad = (rows: string[][]) => () => toFeatureMatrix(spec, { header, rows });
    expect(bad([['1', '2', 'red', 'B'], ['x', '2', 'red', 'B']])).toThrow('row 2: column mean_radius: "x" is not a number');
    expect(bad([['1', '2', 'blue', 'B']])).toThrow('row 1: column color: "blue" is not one of its categories');
    expect(bad([['1', '2', 'red', '']])).toThrow(DatasetEncodingError);
    expect(() => toFeatureMatrix(spec, { header: ['mean_radius'], rows: [] })).toThrow('column age is missing from the header');
  });
});
