// Reads a CSV file as it streams in, by parseCsv's rules (csv.ts), without holding the whole file: the
// bytes are cut where a record ends (a line feed outside quotes; quotes pair up in any file parseCsv
// accepts), each piece is decoded as UTF-8 and parsed behind the header, and only the header, the row
// count and the first rows are kept. Errors are CsvErrors naming the file's physical line.
import { CsvError, parseCsv, toCsv } from './csv';

const LF = 0x0a;
const QUOTE = 0x22;

export interface CsvStreamSummary {
  header: string[];
  /** Data rows read (after the header). */
  rows: number;
  /** The first rows, up to the reader's keepRows. */
  sample: string[][];
  /** Whether the input went on past what was read (endSample only). */
  truncated: boolean;
}

export interface CsvStreamOptions {
  /** How many leading rows to keep for `sample` (default none). */
  keepRows?: number;
  /** Pieces are parsed once this many bytes of whole records have come (default 1 MiB). */
  pieceBytes?: number;
  /** A record (a quoted field with line ends in it, or an unclosed quote) longer than this is refused (default 8 MiB). */
  maxRecordBytes?: number;
}

export class CsvStreamReader {
  readonly #keepRows: number;
  readonly #pieceBytes: number;
  readonly #maxRecordBytes: number;
  #buffer = new Uint8Array(64 * 1024);
  #length = 0;
  /** Where the last whole record in the buffer ends. */
  #recordsEnd = 0;
  #inQuotes = false;
  /** The physical line the buffer starts on. */
  #line = 1;
  #header: string[] | undefined;
  #prefix = '';
  #prefixLines = 0;
  #rows = 0;
  readonly #sample: string[][] = [];

  constructor(options: CsvStreamOptions = {}) {
    this.#keepRows = options.keepRows ?? 0;
    this.#pieceBytes = options.pieceBytes ?? 1024 * 1024;
    this.#maxRecordBytes = options.maxRecordBytes ?? 8 * 1024 * 1024;
  }

  /** Rows parsed so far (whole records already past; a piece still buffered is not counted yet). */
  get rows(): number {
    return this.#rows;
  }

  /** Whether `sample` holds keepRows rows already: a reader after a sample only can stop. */
  get sampleFull(): boolean {
    return this.#header !== undefined && this.#sample.length >= this.#keepRows;
  }

  push(chunk: Uint8Array): void {
    this.#append(chunk);
    if (this.#length - this.#recordsEnd > this.#maxRecordBytes) {
      // No end in sight for the last record: parse what there is, so that a stray or unclosed quote
      // is named by its line, and refuse the record if it parses.
      if (this.#recordsEnd > 0) this.#parsePiece(this.#recordsEnd);
      const line = this.#line;
      this.#parsePiece(this.#length);
      throw new CsvError(line, `a record longer than ${this.#maxRecordBytes} bytes`);
    }
    if (this.#recordsEnd >= this.#pieceBytes) this.#parsePiece(this.#recordsEnd);
  }

  /** The whole input has come: parses the rest, the last record's line end optional. */
  end(): CsvStreamSummary {
    if (this.#length > 0) this.#parsePiece(this.#length);
    if (this.#header === undefined) throw new CsvError(1, 'the file is empty; expected a header row');
    return { header: this.#header, rows: this.#rows, sample: this.#sample, truncated: false };
  }

  /** Stops reading after a sample: parses the whole records that came and drops a record cut short. */
  endSample(): CsvStreamSummary {
    const truncated = this.#length > this.#recordsEnd;
    if (this.#recordsEnd > 0) this.#parsePiece(this.#recordsEnd);
    if (this.#header === undefined) throw new CsvError(1, truncated ? 'the header row is longer than the sample read' : 'the file is empty; expected a header row');
    return { header: this.#header, rows: this.#rows, sample: this.#sample, truncated };
  }

  #append(chunk: Uint8Array): void {
    if (this.#length + chunk.byteLength > this.#buffer.byteLength) {
      const grown = new Uint8Array(Math.max(this.#buffer.byteLength * 2, this.#length + chunk.byteLength));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    const start = this.#length;
    this.#buffer.set(chunk, start);
    this.#length += chunk.byteLength;
    for (let i = start; i < this.#length; i++) {
      const byte = this.#buffer[i];
      if (byte === QUOTE) this.#inQuotes = !this.#inQuotes;
      else if (byte === LF && !this.#inQuotes) this.#recordsEnd = i + 1;
    }
  }

  /** Parses the buffer's first `end` bytes (whole records, or the input's last) and drops them. */
  #parsePiece(end: number): void {
    const bytes = this.#buffer.subarray(0, end);
    const text = this.#decode(bytes);
    if (this.#header === undefined) {
      const table = parseCsv(text);
      this.#header = table.header;
      this.#prefix = toCsv(table.header, []);
      this.#prefixLines = countLineFeeds(new TextEncoder().encode(this.#prefix));
      this.#take(table.rows);
    } else {
      try {
        this.#take(parseCsv(this.#prefix + text).rows);
      } catch (err) {
        if (!(err instanceof CsvError)) throw err;
        throw new CsvError(err.line - this.#prefixLines + this.#line - 1, err.message.replace(/^line \d+: /, ''));
      }
    }
    this.#line += countLineFeeds(bytes);
    this.#buffer.copyWithin(0, end, this.#length);
    this.#length -= end;
    this.#recordsEnd = Math.max(0, this.#recordsEnd - end);
  }

  #take(rows: string[][]): void {
    this.#rows += rows.length;
    for (const row of rows) {
      if (this.#sample.length >= this.#keepRows) break;
      this.#sample.push(row);
    }
  }

  /** UTF-8 text; a piece that is not names its first bad line (pieces start and end on line starts). */
  #decode(bytes: Uint8Array): string {
    try {
      // The byte-order mark stays, as parseCsv expects to see (and drop) it at the file's start.
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      let start = 0;
      let line = this.#line;
      for (let i = 0; i <= bytes.byteLength; i++) {
        if (i < bytes.byteLength && bytes[i] !== LF) continue;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        start = i + 1;
        line++;
      }
      throw new CsvError(line, 'not UTF-8 text; save the file as UTF-8');
    }
  }
}

function countLineFeeds(bytes: Uint8Array): number {
  let count = 0;
  for (const byte of bytes) if (byte === LF) count++;
  return count;
}
