// A batch's input cut into chunks by byte ranges that start and end on record boundaries (a line feed
// outside quotes, by parseCsv's rules), so each chunk parses on its own behind the header and a retried
// scoring attempt can skip the chunks already stored without reading them again.

const LF = 0x0a;
const QUOTE = 0x22;

export interface BatchChunk {
  /** Byte offsets of the chunk's records in the input, end exclusive. */
  start: number;
  end: number;
  /** The 1-based data row number of its first record (the row after the header is 1). */
  firstRow: number;
  rows: number;
}

export interface BatchPlan {
  /** Bytes of the header record, its line end included. */
  headerEnd: number;
  rows: number;
  chunks: BatchChunk[];
}

/**
 * Cuts `bytes` (a CSV file with a header) into chunks of `chunkRows` records. A final record without a
 * line end counts; blank input after the header has no rows. Quotes toggle as parseCsv reads them
 * (a doubled quote toggles twice), so a line feed inside a quoted field never ends a record.
 */
export function planBatchChunks(bytes: Uint8Array, chunkRows: number): BatchPlan {
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, not ${chunkRows}`);
  let inQuotes = false;
  let headerEnd = -1;
  const chunks: BatchChunk[] = [];
  let chunkStart = 0;
  let chunkRowsSoFar = 0;
  let rows = 0;
  let recordsEnd = 0;
  const close = (end: number) => {
    chunks.push({ start: chunkStart, end, firstRow: rows - chunkRowsSoFar + 1, rows: chunkRowsSoFar });
    chunkStart = end;
    chunkRowsSoFar = 0;
  };
  // Without a quote anywhere every line feed ends a record: jump between them (indexOf is native).
  const quoted = bytes.indexOf(QUOTE) !== -1;
  for (let i = quoted ? 0 : bytes.indexOf(LF); i !== -1 && i < bytes.byteLength; i = quoted ? i + 1 : bytes.indexOf(LF, i + 1)) {
    const byte = bytes[i];
    if (byte === QUOTE) inQuotes = !inQuotes;
    else if (byte === LF && !inQuotes) {
      if (headerEnd === -1) {
        headerEnd = i + 1;
        chunkStart = headerEnd;
        recordsEnd = headerEnd;
        continue;
      }
      rows++;
      chunkRowsSoFar++;
      recordsEnd = i + 1;
      if (chunkRowsSoFar === chunkRows) close(i + 1);
    }
  }
  if (headerEnd === -1) return { headerEnd: bytes.byteLength, rows: 0, chunks: [] };
  // A last record without its line end.
  if (recordsEnd < bytes.byteLength) {
    rows++;
    chunkRowsSoFar++;
  }
  if (chunkRowsSoFar > 0) close(bytes.byteLength);
  return { headerEnd, rows, chunks };
}
