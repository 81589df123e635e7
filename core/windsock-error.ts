// Windsock's one error family. `retryable` decides whether Temporal retries an activity that threw it;
// `code` decides the HTTP status at the API edges.
export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  dataset_invalid: 422,
  gate_failed: 422,
  job_failed: 500,
  deadline_exceeded: 504,
  budget_exceeded: 402,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class WindsockError extends Error {
  override readonly name = 'WindsockError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { retryable?: boolean; details?: unknown } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get status(): number {
    return errorStatus[this.code];
  }
}
