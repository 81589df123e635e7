import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv } from './csv';
import { CsvStreamReader } from './csv-stream-reader';

const encode = (text: string) => new TextEncoder().encode(text);

/** Feeds bytes in chunks of the given sizes (cycled), with small pieces so that pieces cut often. */
function read(bytes: Uint8Array, chunkSizes: number[] = [3], keepRows = 1000) {
  const reader = new CsvStreamReader({ keepRows, pieceBytes: 8, maxRecordBytes: 4096 });
  let offset = 0;
  for (let i = 0; offset < bytes.byteLength; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    reader.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return reader.end();
}

function errorOf(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CsvError) return err;
    throw err;
  }
  throw new Error('expected a CsvError');
}

describe('CsvStreamReader', () => {
  it('reads the header, counts rows and keeps the first ones, across chunks that cut records and characters', () => {
    const text = '\uFEFFname,note\n"Smith, J","said ""hi"""\n"multi\r\nline",é\r\nlast,row';
    const summary = read(encode(text), [1, 2, 5]);
    expect(summary).toEqual({ header: ['name', 'note'], rows: 3, sample: parseCsv(text).rows, truncated: false });
  });

  it('names the physical line of a ragged row, a stray quote or bad UTF-8 far into the file', () => {
    const good = 'a,b\n' + '1,"two\nlines"\n'.repeat(20);
    expect(errorOf(() => read(encode(good + '3\n'))).message).toBe('line 42: expected 2 fields as in the header, found 1');
    expect(errorOf(() => read(encode(good + '3,fo"o\n'))).line).toBe(42);
    expect(errorOf(() => read(encode(good + '3,"open\n4,5\n'))).message).toMatch(/^line 42: unterminated quoted field/);
    const bad = new Uint8Array([...encode(good), 0x33, 0x2c, 0xff, 0x0a]);
    expect(errorOf(() => read(bad)).message).toBe('line 42: not UTF-8 text; save the file as UTF-8');
  });

  it('refuses an empty file and a record without end', () => {
    expect(errorOf(() => read(new Uint8Array(0))).message).toMatch(/^line 1: the file is empty/);
    const reader = new CsvStreamReader({ maxRecordBytes: 16 });
    reader.push(encode('a,b\n1,2\n'));
    expect(errorOf(() => reader.push(encode('3,"' + 'x'.repeat(40)))).message).toMatch(/^line 3: unterminated quoted field/);
  });

  it('stops after a sample, dropping a record cut short', () => {
    const reader = new CsvStreamReader({ keepRows: 2, pieceBytes: 4 });
    reader.push(encode('a,b\n1,2\n3,4\n5,6\n7,'));
    expect(reader.sampleFull).toBe(true);
    expect(reader.endSample()).toEqual({ header: ['a', 'b'], rows: 3, sample: [['1', '2'], ['3', '4']], truncated: true });
  });

  it('reads what parseCsv reads, and refuses what it refuses, naming the same or an earlier bad line', () => {
    const field = fc.oneof(fc.constantFrom('', 'a', '"', '""', 'x,y', '\n', '\r\n', '\r', 'é', '😀'), fc.string({ maxLength: 4 }));
    const text = fc.array(fc.array(field, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }).map((records) =>
      records.map((r) => r.join(',')).join('\n'),
    );
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), (csv, chunks) => {
        let expected: { header: string[]; rows: string[][] } | CsvError;
        try {
          expected = parseCsv(csv);
        } catch (err) {
          expected = err as CsvError;
        }
        if (expected instanceof CsvError) {
          // parseCsv reports a quoting error anywhere before a ragged row; the reader, which does not
          // hold the file, the first piece with either, so never a later line.
          const line = errorOf(() => read(encode(csv), chunks)).line;
          if (/expected \d+ fields/.test(expected.message)) expect(line).toBe(expected.line);
          else expect(line).toBeLessThanOrEqual(expected.line);
        } else {
          expect(read(encode(csv), chunks)).toEqual({ header: expected.header, rows: expected.rows.length, sample: expected.rows, truncated: false });
        }
      }),
      { numRuns: 500 },
    );
  });
});
