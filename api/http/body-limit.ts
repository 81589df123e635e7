// The body limit of the JSON routes of every Windsock server: over it, declared or streamed (chunked),
// is a 413 in the error envelope.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { WindsockError } from '../../core/windsock-error';

export const DEFAULT_JSON_BODY_BYTES = 1024 * 1024;

export function limitBody(maxBytes: number = DEFAULT_JSON_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new WindsockError('payload_too_large', `request body larger than ${maxBytes} bytes`);
    },
  });
}
