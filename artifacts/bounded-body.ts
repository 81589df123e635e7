// Reads a fetch response's body up to a byte limit, so that a dataset or artifact larger than the
// deployment allows is refused as it arrives rather than after it has filled the worker's memory.
import { WindsockError } from '../core/windsock-error';

/** The body's bytes; throws `payload_too_large` naming `what` and the limit (and `limitName`, the variable) past it. */
export async function readBoundedBody(res: Response, maxBytes: number, what: string, limitName?: string): Promise<Buffer> {
  const tooLarge = () =>
    new WindsockError('payload_too_large', `${what} is larger than the ${formatBytes(maxBytes)} limit${limitName ? ` (${limitName})` : ''}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** 536870912 -> "512 MiB", 600000000 -> "572.2 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (unit < units.length - 1 && bytes >= 1024 ** (unit + 1)) unit += 1;
  const value = bytes / 1024 ** unit;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
