import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindsockError } from '../windsock-error';
import { parseCsv } from './csv';
import { datasetSpecSchema } from './dataset-spec';
import { validateDataset, type DataTable } from './dataset-validation';
import { inferDatasetSpec, rangeWithHeadroom, sortClasses } from './infer-dataset-spec';

function refusalOf(fn: () => unknown): WindsockError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WindsockError) return err;
    throw err;
  }
  throw new Error('expected a WindsockError');
}

/** n rows of a small loan table: numbers, a category, an id, and a binary target with a minority. */
function loans(n: number): DataTable {
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push([`id-${i}`, String(20 + (i % 40)), (1000 + i * 12.5).toFixed(2), ['rent', 'own', 'mortgage'][i % 3]!, i % 7 === 0 ? '' : String(i % 5), i % 4 === 0 ? 'yes' : 'no']);
  }
  return { header: ['loan_id', 'age', 'income', 'housing', 'dependants', 'default'], rows };
}

describe('inferDatasetSpec', () => {
  it('types each column, keeps file order, leaves the id out and proposes the minority class as positive', () => {
    const { datasetSpec, notes } = inferDatasetSpec(loans(100), { target: 'default' });
    expect(datasetSpec.features.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['age', 'integer', false],
      ['income', 'float', false],
      ['housing', 'categorical', false],
      ['dependants', 'integer', true],
    ]);
    expect(datasetSpec.features[2]).toMatchObject({ categories: ['mortgage', 'own', 'rent'] });
    expect(datasetSpec.target).toEqual({ name: 'default', classes: ['no', 'yes'], positiveClass: 'yes' });
    expect(datasetSpec.checks).toEqual({ minClassShare: 0.05, maxDuplicateShare: 0.01, minRows: 50 });
    expect(notes.join('\n')).toMatch(/column "loan_id" left out: 100 distinct text values/);
    expect(notes.join('\n')).toMatch(/"dependants": integer with 5 distinct values/);
    expect(() => datasetSpecSchema.parse(datasetSpec)).not.toThrow();
  });

  it('widens ranges by 10% of the span, rounded outward, and never below 0 for a column without negatives', () => {
    const { datasetSpec } = inferDatasetSpec(loans(100), { target: 'default' });
    // age 20..59: span 39, pad 3.9 -> 16.1..62.9 -> 16..63
    expect(datasetSpec.features[0]).toMatchObject({ min: 16, max: 63 });
    // income 1000..2237.5: pad 123.75 -> 876.25..2361.25, outward to hundreds
    expect(datasetSpec.features[1]).toMatchObject({ min: 800, max: 2400 });
    // dependants 0..4: pad 0.4 would go below 0
    expect(datasetSpec.features[3]).toMatchObject({ min: 0, max: 5 });
    expect(rangeWithHeadroom(-5, 5, false)).toEqual({ min: -6, max: 6 });
    expect(rangeWithHeadroom(3, 3, true)).toEqual({ min: 2, max: 4 });
    expect(rangeWithHeadroom(0, 0, false)).toEqual({ min: 0, max: 1 });
    expect(rangeWithHeadroom(-1e308, 1e308, false)).toEqual({ min: -1e308, max: 1e308 });
  });

  it('sorts numeric labels by value and text by code unit', () => {
    expect(sortClasses(['10', '2', '1'])).toEqual(['1', '2', '10']);
    expect(sortClasses(['b', 'B', 'a'])).toEqual(['B', 'a', 'b']);
  });

  it('proposes the second class as positive on a tie, and none for a multi-class target', () => {
    const table = parseCsv('x,y\n1,a\n2,b\n3,a\n4,b\n');
    expect(inferDatasetSpec(table, { target: 'y' }).datasetSpec.target).toEqual({ name: 'y', classes: ['a', 'b'], positiveClass: 'b' });
    const multi = inferDatasetSpec(parseCsv('x,y\n1,a\n2,b\n3,c\n'), { target: 'y' });
    expect(multi.datasetSpec.target).toEqual({ name: 'y', classes: ['a', 'b', 'c'] });
    expect(multi.notes.join('\n')).toMatch(/3 classes .*no positiveClass/);
  });

  it('loosens checks the sample fails, and says so', () => {
    const rows = [['1', 'a'], ['1', 'a'], ...Array.from({ length: 38 }, (_, i) => [String(i), i === 0 ? 'a' : 'b'])];
    const { datasetSpec, notes } = inferDatasetSpec({ header: ['x', 'y'], rows }, { target: 'y' });
    expect(datasetSpec.checks.minRows).toBe(40);
    expect(datasetSpec.checks.maxDuplicateShare).toBeGreaterThanOrEqual(1 / 40);
    expect(datasetSpec.checks.minClassShare).toBeLessThanOrEqual(3 / 40);
    expect(notes.join('\n')).toMatch(/minRows lowered to 40/);
    expect(notes.join('\n')).toMatch(/maxDuplicateShare raised/);
    expect(validateDataset(datasetSpec, { header: ['x', 'y'], rows }).errors).toEqual([]);
  });

  it('leaves out columns that are all null or have no name', () => {
    const { datasetSpec, notes } = inferDatasetSpec(parseCsv('x,,empty,y\n1,q,NA,a\n2,r,,b\n'), { target: 'y' });
    expect(datasetSpec.features.map((f) => f.name)).toEqual(['x']);
    expect(notes.join('\n')).toMatch(/column 2 left out: it has no name/);
    expect(notes.join('\n')).toMatch(/"empty" left out: every value/);
  });

  it('refuses what no spec can describe, naming the problem', () => {
    const table = parseCsv('a,b\n1,x\n2,y\n');
    expect(refusalOf(() => inferDatasetSpec(table, { target: 'label' })).message).toMatch(/no column named "label"; the columns are "a", "b"/);
    expect(refusalOf(() => inferDatasetSpec(parseCsv('a,b\n'), { target: 'b' })).message).toMatch(/no data rows/);
    expect(refusalOf(() => inferDatasetSpec(parseCsv('a,b\n1,x\n2,x\n'), { target: 'b' })).message).toMatch(/single value/);
    expect(refusalOf(() => inferDatasetSpec(parseCsv('a,b\n1,x\n2,NA\n3,\n'), { target: 'b' })).message).toMatch(/2 empty or null values \(rows 2, 3\)/);
    expect(refusalOf(() => inferDatasetSpec(parseCsv('a,a,b\n1,2,x\n'), { target: 'b' })).message).toMatch(/repeats "a"/);
    expect(refusalOf(() => inferDatasetSpec(parseCsv('b\nx\ny\n'), { target: 'b' })).message).toMatch(/only the target/);
    const ids = { header: ['id', 'y'], rows: Array.from({ length: 60 }, (_, i) => [`u${i}`, String(i)]) };
    expect(refusalOf(() => inferDatasetSpec(ids, { target: 'y' })).message).toMatch(/60 distinct values/);
  });
});

// Cells as a CSV file holds them: numbers (with stray whitespace), words, null tokens.
const nullCell = fc.constantFrom('', 'NA', 'NaN', 'null', ' ', ' NA ');
const intCell = fc.integer({ min: -1000, max: 1000 }).map(String);
const floatCell = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map(String);
const wordCell = fc.constantFrom('red', 'green', 'blue', 'Red', ' red', 'x,y', 'say "hi"', 'é');
const freeText = fc.string({ minLength: 1, maxLength: 12 });
const columnKind = fc.constantFrom('int', 'float', 'word', 'text', 'mixed');

function cellFor(kind: string): fc.Arbitrary<string> {
  const base = { int: intCell, float: floatCell, word: wordCell, text: freeText, mixed: fc.oneof(intCell, wordCell) }[kind]!;
  return fc.oneof({ weight: 5, arbitrary: base }, { weight: 1, arbitrary: nullCell });
}

const sample = fc
  .record({
    kinds: fc.array(columnKind, { minLength: 1, maxLength: 5 }),
    labels: fc.uniqueArray(fc.constantFrom('0', '1', '2', 'yes', 'no', 'maybe', ' a'), { minLength: 2, maxLength: 4 }),
    rowCount: fc.integer({ min: 2, max: 80 }),
  })
  .chain(({ kinds, labels, rowCount }) =>
    fc
      .array(fc.tuple(fc.tuple(...kinds.map(cellFor)), fc.constantFrom(...labels)), { minLength: rowCount, maxLength: rowCount })
      .map((rows): DataTable => ({ header: [...kinds.map((k, i) => `${k}_${i}`), 'label'], rows: rows.map(([cells, label]) => [...cells, label]) })),
  );

describe('inferDatasetSpec on any sample', () => {
  it('proposes a spec that the sample itself passes, or refuses with a reason', () => {
    fc.assert(
      fc.property(sample, (table) => {
        let inferred;
        try {
          inferred = inferDatasetSpec(table, { target: 'label' });
        } catch (err) {
          // Only what no spec can describe: one class in the sample, or no usable feature.
          expect(err).toBeInstanceOf(WindsockError);
          expect((err as Error).message).toMatch(/single value|can be a feature/);
          return;
        }
        expect(datasetSpecSchema.safeParse(inferred.datasetSpec).success).toBe(true);
        expect(validateDataset(inferred.datasetSpec, table).errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
