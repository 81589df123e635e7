import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchRowError, checkBatchSample, encodeChunk, encodeFeatureRows, featureColumns, parseChunkRows } from './batch-features';
import { CsvError, parseCsv, toCsv } from './csv';
import { datasetSpecSchema } from './dataset-spec';

const spec = datasetSpecSchema.parse({
  features: [
    { name: 'age', type: 'integer', min: 0, max: 120 },
    { name: 'income', type: 'float', nullable: true },
    { name: 'plan', type: 'categorical', categories: ['free', 'pro'] },
  ],
  target: { name: 'churn', classes: ['no', 'yes'] },
});

describe('parseChunkRows', () => {
  it('reads a chunk behind its header as parseCsv reads the two together, quoted or not', () => {
    const cell = fc.oneof(fc.stringMatching(/^[a-z0-9. \r-]{0,5}$/), fc.constantFrom('a,b', 'x\ny', 'say "hi"'));
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell, cell), { maxLength: 20 }), fc.boolean(), (rows, crlf) => {
        const header = 'a,b,c\n';
        let chunk = toCsv(['a', 'b', 'c'], rows).slice(header.length);
        if (crlf) chunk = chunk.replaceAll('\n', '\r\n');
        let expected: string[][] | Error;
        try {
          expected = parseCsv(header + chunk).rows;
        } catch (err) {
          expected = err as Error;
        }
        if (expected instanceof Error) expect(() => parseChunkRows(header, chunk)).toThrow(CsvError);
        else expect(parseChunkRows(header, chunk)).toEqual(expected);
      }),
    );
  });

  it('refuses a record of the wrong width with its line', () => {
    expect(() => parseChunkRows('a,b\n', '1,2\n3\n')).toThrow(/^line 3: expected 2 fields as in the header, found 1$/);
  });
});

describe('batch features', () => {
  const header = ['id', 'plan', 'income', 'age'];

  it('encodes the features in spec order, a category as its index, a nullable null as NaN', () => {
    const { columns } = featureColumns(spec, header, 'id');
    expect(columns).toEqual({ indices: [3, 2, 1], idIndex: 0 });
    const data = encodeFeatureRows(spec, columns!, [['a', 'pro', '1.5', '30'], ['b', 'free', 'NA', ' 41 ']], 1);
    expect(Array.from(data)).toEqual([30, 1.5, 1, 41, Number.NaN, 0]);
  });

  it('names what is missing from the header, and refuses a cell the model cannot take by its row', () => {
    expect(featureColumns(spec, ['age', 'plan'], 'id').missing).toEqual(['income', 'id']);
    const { columns } = featureColumns(spec, header);
    expect(() => encodeFeatureRows(spec, columns!, [['a', 'pro', '1', '30'], ['b', 'gold', '1', '30']], 10)).toThrow(new BatchRowError(11, 'column plan: the value is not among its categories [free, pro]'));
    expect(() => encodeFeatureRows(spec, columns!, [['a', 'pro', '1', '']], 5)).toThrow(/^row 5: column age is empty or null, and the column is not nullable$/);
    expect(() => encodeFeatureRows(spec, columns!, [['a', 'pro', '1', '1e999']], 5)).toThrow(/^row 5: column age: the value is not a number$/);
  });

  it("checks a sample's features against the spec and leaves the target alone", () => {
    expect(checkBatchSample(spec, 'age,income,plan\n30,1.5,pro\n', false)).toEqual({ rows: 1, problems: [] });
    expect(checkBatchSample(spec, 'age,income,plan,churn\n30,1.5,pro,maybe\n', false).problems).toEqual([]);
    expect(checkBatchSample(spec, 'age,plan\n300,gold\n', false).problems).toEqual([
      'column income is missing from the file; the spec lists it as a feature (float)',
      'column age: 1 value above max 120 (row 1)',
      'column plan: 1 value is not among its categories [free, pro] (row 1)',
    ]);
    expect(checkBatchSample(spec, '', false).problems).toEqual(['the file is empty; expected a header row']);
  });

  it('encodes a chunk in one pass as parsing and encoding its rows would, and refuses what they refuse', () => {
    const header = 'id,plan,income,age\n';
    const { columns } = featureColumns(spec, ['id', 'plan', 'income', 'age'], 'id');
    const cell = fc.constantFrom('1', '2.5', '-3e2', ' 7', '', 'NA', 'pro', 'free', 'gold', 'x', '1e999', 'a,b', 'q"t', '\r');
    const outcome = (run: () => { rows: number; features: Float32Array; ids?: string[] }) => {
      try {
        const { rows, features, ids } = run();
        return { rows, features: Array.from(features), ids };
      } catch (err) {
        return { error: `${(err as Error).name}: ${(err as Error).message}` };
      }
    };
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 3, maxLength: 5 }), { maxLength: 12 }), fc.boolean(), fc.boolean(), (records, crlf, lastLineEnd) => {
        let chunk = records.map((cells) => cells.join(',')).join(crlf ? '\r\n' : '\n');
        if (lastLineEnd && records.length > 0) chunk += '\n';
        const fused = outcome(() => encodeChunk(spec, columns!, header, chunk, 5));
        const stepwise = outcome(() => {
          const rows = parseChunkRows(header, chunk);
          return { rows: rows.length, features: encodeFeatureRows(spec, columns!, rows, 5), ids: rows.map((cells) => cells[0]!) };
        });
        // Both refuse the same chunks; which problem they name first may differ when a row has the
        // wrong width (stepwise checks every row's width before any cell), never otherwise.
        const widthsRight = chunk.split('\n').every((line) => line === '' || line.replace(/\r$/, '').split(',').length === 4);
        if ('error' in stepwise && !widthsRight) expect(fused).toHaveProperty('error');
        else expect(fused).toEqual(stepwise);
      }),
      { numRuns: 300 },
    );
  });
});
