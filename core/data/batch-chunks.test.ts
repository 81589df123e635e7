import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planBatchChunks } from './batch-chunks';
import { parseCsv, toCsv } from './csv';

const bytes = (text: string) => new TextEncoder().encode(text);
const decode = (b: Uint8Array, start: number, end: number) => new TextDecoder().decode(b.subarray(start, end));

describe('planBatchChunks', () => {
  it('cuts records into chunks of chunkRows, the last one shorter, numbering rows from 1', () => {
    const input = bytes('a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n');
    const plan = planBatchChunks(input, 2);
    expect(plan).toMatchObject({ headerEnd: 4, rows: 5 });
    expect(plan.chunks.map((c) => [c.firstRow, c.rows, decode(input, c.start, c.end)])).toEqual([
      [1, 2, '1,2\n3,4\n'],
      [3, 2, '5,6\n7,8\n'],
      [5, 1, '9,10\n'],
    ]);
  });

  it('counts a last record without its line end, and keeps line feeds inside quotes in their record', () => {
    const input = bytes('id,note\n1,"two\nlines"\n2,"a ""quoted"" one"\n3,last');
    const plan = planBatchChunks(input, 2);
    expect(plan.rows).toBe(3);
    expect(plan.chunks.map((c) => decode(input, c.start, c.end))).toEqual(['1,"two\nlines"\n2,"a ""quoted"" one"\n', '3,last']);
  });

  it('has no chunks for a header alone or an empty file', () => {
    expect(planBatchChunks(bytes('a,b\n'), 10)).toEqual({ headerEnd: 4, rows: 0, chunks: [] });
    expect(planBatchChunks(bytes('a,b'), 10)).toEqual({ headerEnd: 3, rows: 0, chunks: [] });
    expect(planBatchChunks(bytes(''), 10)).toEqual({ headerEnd: 0, rows: 0, chunks: [] });
  });

  it('gives chunks that parse, behind the header, to the rows parseCsv reads from the whole file', () => {
    const cell = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a,b', 'x\ny', 'say "hi"', '\r\n'));
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 0, maxLength: 30 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), (rows, chunkRows, crlf) => {
        let text = toCsv(['x', 'y'], rows);
        if (crlf) text = text.replace(/\n$/, '');
        const input = bytes(text);
        const plan = planBatchChunks(input, chunkRows);
        const header = decode(input, 0, plan.headerEnd);
        const parsed = plan.chunks.flatMap((c) => {
          const chunk = parseCsv(header + decode(input, c.start, c.end)).rows;
          expect(chunk).toHaveLength(c.rows);
          return chunk;
        });
        expect(parsed).toEqual(parseCsv(text).rows);
        expect(plan.rows).toBe(rows.length);
      }),
    );
  });
});
