// RFC 4180 CSV reading and writing for dataset files. Strict on purpose: a malformed file
// should fail with a line number rather than be silently misread into a training set.

export type CsvTable = { header: string[]; rows: string[][] };

export class CsvError extends Error {
  override readonly name = 'CsvError';
  /** 1-based physical line in the input where the offending record or field starts. */
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * Parses CSV text. The first record is the header; every record must have as many fields.
 * Accepts LF and CRLF line ends and one optional line end after the last record; a lone CR
 * is kept as data. A leading byte-order mark is dropped (spreadsheet exports add one, and it
 * would otherwise become part of the first column's name). Fields are not trimmed.
 */
export function parseCsv(text: string): CsvTable {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (input.length === 0) throw new CsvError(1, 'the file is empty; expected a header row');

  const records: Array<{ fields: string[]; line: number }> = [];
  let fields: string[] = [];
  let field = '';
  // True once the current record has consumed any character, so that a final line end does
  // not produce an extra empty record but a final empty quoted field ("") still counts.
  let recordOpen = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = input.length;

  const endRecord = () => {
    fields.push(field);
    records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    recordOpen = false;
  };

  while (i < n) {
    const ch = input[i];
    if (ch === '\n' || (ch === '\r' && input[i + 1] === '\n')) {
      endRecord();
      i += ch === '\n' ? 1 : 2;
      line++;
      recordLine = line;
      continue;
    }
    recordOpen = true;
    if (ch === ',') {
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (ch !== '"') {
      field += ch;
      i++;
      continue;
    }
    if (field.length > 0) {
      throw new CsvError(line, `unexpected '"' inside an unquoted field; quote the whole field and double any quote in it`);
    }
    const quoteLine = line;
    i++;
    let closed = false;
    while (i < n) {
      const c = input[i];
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        closed = true;
        i++;
        break;
      }
      if (c === '\n') line++;
      field += c;
      i++;
    }
    if (!closed) throw new CsvError(quoteLine, 'unterminated quoted field');
    const next = input[i];
    const atFieldEnd = i >= n || next === ',' || next === '\n' || (next === '\r' && input[i + 1] === '\n');
    if (!atFieldEnd) {
      throw new CsvError(line, 'unexpected text after a closing quote; a quoted field must end at a comma or line end');
    }
  }
  if (recordOpen) endRecord();

  const [head, ...body] = records;
  if (head === undefined) throw new CsvError(1, 'the file is empty; expected a header row');
  const width = head.fields.length;
  for (const record of body) {
    if (record.fields.length !== width) {
      throw new CsvError(
        record.line,
        `expected ${width} fields as in the header, found ${record.fields.length}`,
      );
    }
  }
  return { header: head.fields, rows: body.map((r) => r.fields) };
}

const needsQuoting = /[",\r\n]/;

function formatField(value: string): string {
  return needsQuoting.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function formatRecord(fields: readonly string[]): string {
  // A record of one empty field would otherwise be a blank line, which reads back ambiguously.
  if (fields.length === 1 && fields[0] === '') return '""';
  return fields.map(formatField).join(',');
}

/**
 * Writes CSV that parseCsv reads back to the same table: LF line ends, a final line end,
 * and quotes only around fields that hold a quote, comma, CR or LF.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [formatRecord(header)];
  rows.forEach((row, index) => {
    if (row.length !== header.length) {
      throw new CsvError(index + 2, `row has ${row.length} fields but the header has ${header.length}`);
    }
    lines.push(formatRecord(row));
  });
  return lines.join('\n') + '\n';
}
