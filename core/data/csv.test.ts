import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, toCsv } from './csv';

function csvErrorOf(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CsvError) return error;
    throw error;
  }
  throw new Error('expected a CsvError');
}

describe('parseCsv', () => {
  it('reads a header and rows with LF line ends and a trailing newline', () => {
    expect(parseCsv('a,b\n1,2\n3,4\n')).toEqual({ header: ['a', 'b'], rows: [['1', '2'], ['3', '4']] });
  });

  it('reads CRLF line ends and a file without a trailing newline', () => {
    expect(parseCsv('a,b\r\n1,2\r\n3,4')).toEqual({ header: ['a', 'b'], rows: [['1', '2'], ['3', '4']] });
  });

  it('reads quoted fields holding commas, escaped quotes and line breaks', () => {
    const text = 'name,note\n"Smith, J","said ""hi"""\n"multi\r\nline","x"\n';
    expect(parseCsv(text)).toEqual({
      header: ['name', 'note'],
      rows: [
        ['Smith, J', 'said "hi"'],
        ['multi\r\nline', 'x'],
      ],
    });
  });

  it('keeps empty fields, including a final empty quoted field without a newline', () => {
    expect(parseCsv('a,b,c\n,,\n"",x,""')).toEqual({
      header: ['a', 'b', 'c'],
      rows: [
        ['', '', ''],
        ['', 'x', ''],
      ],
    });
  });

  it('does not trim spaces and keeps a lone CR as data', () => {
    expect(parseCsv('a,b\n 1 ,x\ry\n').rows).toEqual([[' 1 ', 'x\ry']]);
  });

  it('drops a leading byte-order mark', () => {
    expect(parseCsv('\uFEFFid,y\n1,0\n').header).toEqual(['id', 'y']);
  });

  it('returns no rows for a header-only file', () => {
    expect(parseCsv('a,b\n')).toEqual({ header: ['a', 'b'], rows: [] });
  });

  it('rejects an empty file', () => {
    expect(csvErrorOf(() => parseCsv('')).line).toBe(1);
  });

  it('reports the line where a ragged row starts', () => {
    const error = csvErrorOf(() => parseCsv('a,b\n1,2\n"x\ny",2,3\n4,5\n'));
    expect(error.line).toBe(3);
    expect(error.message).toBe('line 3: expected 2 fields as in the header, found 3');
  });

  it('treats a blank line inside the file as a one-field record, so it is ragged', () => {
    expect(csvErrorOf(() => parseCsv('a,b\n1,2\n\n3,4\n')).line).toBe(3);
  });

  it('reports the line where an unterminated quote opens', () => {
    const error = csvErrorOf(() => parseCsv('a,b\n1,2\n3,"oops\n4,5\n'));
    expect(error.line).toBe(3);
    expect(error.message).toContain('unterminated quoted field');
  });

  it('rejects a quote inside an unquoted field and text after a closing quote', () => {
    expect(csvErrorOf(() => parseCsv('a\n5\'11"\n')).line).toBe(2);
    expect(csvErrorOf(() => parseCsv('a,b\n"x"y,1\n')).line).toBe(2);
  });
});

describe('toCsv', () => {
  it('quotes only fields that need it and ends with a newline', () => {
    expect(toCsv(['a', 'b'], [['1', 'x,y'], ['say "hi"', 'line\nbreak']])).toBe(
      'a,b\n1,"x,y"\n"say ""hi""","line\nbreak"\n',
    );
  });

  it('round-trips through parseCsv, including a lone empty field', () => {
    const header = ['only'];
    const rows = [[''], ['a'], ['"q"'], ['\r\n']];
    expect(parseCsv(toCsv(header, rows))).toEqual({ header, rows });
  });

  it('rejects a row whose width differs from the header', () => {
    expect(csvErrorOf(() => toCsv(['a', 'b'], [['1', '2'], ['3']])).line).toBe(3);
  });
});
