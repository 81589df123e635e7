// A small S3 client: the few object operations Windsock needs, signed with SigV4 (aws4fetch) over plain
// fetch, against AWS S3 (virtual-hosted addressing) or any S3-compatible endpoint (path-style: R2,
// MinIO, versitygw). Requests carry the signature in a header, never in the URL, and errors name the
// operation, the object and the endpoint only: no credential or signature reaches a message or a log.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { AwsClient } from 'aws4fetch';
import { WindsockError } from '../core/windsock-error';
import { readBoundedBody } from './bounded-body';

export interface S3Location {
  bucket: string;
  /** The object key, or a key prefix; may be empty for a whole bucket. */
  key: string;
}

export interface ObjectStoreOptions {
  /** An S3-compatible endpoint (`http://127.0.0.1:7070`, R2's account URL), addressed path-style; unset: AWS S3, virtual-hosted. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Bound on a request without a large body (HEAD, small PUT, a page of a listing). */
  requestTimeoutMs?: number;
  /** Bound on a whole transfer (a model or dataset up or down). */
  transferTimeoutMs?: number;
}

export interface ObjectInfo {
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const RETRIES = 2;

/** `s3://bucket/key` -> its parts; `what` names the thing in the refusal (`dataset`, `WINDSOCK_ARTIFACTS_URL`). */
export function parseS3Uri(uri: string, what = 'object URI'): S3Location {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(uri);
  if (!match) throw new WindsockError('bad_request', `${what} '${clip(uri)}' is not an s3://bucket/key URI`);
  const bucket = match[1]!;
  const key = match[2] ?? '';
  if (!BUCKET.test(bucket)) {
    throw new WindsockError('bad_request', `${what} '${clip(uri)}' names no valid bucket (3-63 lowercase letters, digits, dots and hyphens)`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key) || Buffer.byteLength(key) > 1024) {
    throw new WindsockError('bad_request', `${what} '${clip(uri)}' has a key with control characters or over 1024 bytes`);
  }
  return { bucket, key };
}

export function s3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

export class ObjectStoreClient {
  // An ES private field: util.inspect (a logged deps object) does not show it, and it holds the secret.
  readonly #aws: AwsClient;
  private readonly endpoint: string | undefined;
  private readonly region: string;
  private readonly requestTimeoutMs: number;
  private readonly transferTimeoutMs: number;

  constructor(options: ObjectStoreOptions) {
    this.#aws = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      sessionToken: options.sessionToken,
      service: 's3',
      region: options.region,
      retries: 0,
    });
    this.endpoint = options.endpoint?.replace(/\/+$/, '');
    this.region = options.region;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.transferTimeoutMs = options.transferTimeoutMs ?? 10 * 60_000;
  }

  /** Where requests go, for messages: the endpoint, or AWS S3 in the region. */
  describe(): string {
    if (!this.endpoint) return `AWS S3 (${this.region})`;
    const url = new URL(this.endpoint);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}`;
  }

  /** The object's size, ETag and modification time; undefined when there is no such object. */
  async head(location: S3Location): Promise<ObjectInfo | undefined> {
    const res = await this.send('HEAD', this.url(location), { what: `look up ${s3Uri(location)}` });
    if (res.status === 404) return undefined;
    if (!res.ok) throw await this.failure(res, `look up ${s3Uri(location)}`);
    return {
      size: Number(res.headers.get('content-length') ?? 0),
      etag: res.headers.get('etag') ?? '',
      lastModified: new Date(res.headers.get('last-modified') ?? 0),
    };
  }

  /** The object's bytes, refused past `maxBytes` (`limitName` names the variable that sets it). */
  async get(location: S3Location, bounds: { maxBytes?: number; limitName?: string } = {}): Promise<Buffer> {
    const what = `read ${s3Uri(location)}`;
    const res = await this.send('GET', this.url(location), { what, timeoutMs: this.transferTimeoutMs });
    if (!res.ok) throw await this.failure(res, what);
    return this.transfer(what, () => readBoundedBody(res, bounds.maxBytes ?? Number.MAX_SAFE_INTEGER, s3Uri(location), bounds.limitName));
  }

  /** The object's first `maxBytes` bytes at most (a ranged read: the rest is never sent). */
  async getHead(location: S3Location, maxBytes: number): Promise<Buffer> {
    const what = `read the start of ${s3Uri(location)}`;
    const res = await this.send('GET', this.url(location), { what, headers: { range: `bytes=0-${maxBytes - 1}` } });
    if (res.status === 416) return Buffer.alloc(0); // an empty object has no first byte
    if (!res.ok) throw await this.failure(res, what);
    // A store that ignores the range answers 200 with the whole object: read only what was asked.
    const reader = res.body?.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (reader && total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
    await reader?.cancel().catch(() => undefined);
    return Buffer.concat(chunks, total).subarray(0, maxBytes);
  }

  /** The object's body as a stream (for writing to a file without holding it in memory). */
  async getStream(location: S3Location): Promise<Readable> {
    const what = `read ${s3Uri(location)}`;
    const res = await this.send('GET', this.url(location), { what, timeoutMs: this.transferTimeoutMs });
    if (!res.ok) throw await this.failure(res, what);
    return Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream);
  }

  /** Writes the object; `sha256` (hex) is signed as the payload hash, so the store rejects corrupted bytes. */
  async put(location: S3Location, bytes: Uint8Array, sha256: string, contentType = 'application/octet-stream'): Promise<void> {
    const what = `write ${s3Uri(location)}`;
    const res = await this.send('PUT', this.url(location), {
      what,
      headers: { 'content-type': contentType, 'x-amz-content-sha256': sha256 },
      body: bytes,
      timeoutMs: this.transferTimeoutMs,
    });
    if (!res.ok) throw await this.failure(res, what);
    await res.body?.cancel();
  }

  /** Streams a file of known size into the object (no buffering); `sha256` as for put. */
  async putFile(location: S3Location, file: string, size: number, sha256: string): Promise<void> {
    const what = `write ${s3Uri(location)}`;
    const res = await this.send('PUT', this.url(location), {
      what,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), 'x-amz-content-sha256': sha256 },
      body: () => Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
      timeoutMs: this.transferTimeoutMs,
    });
    if (!res.ok) throw await this.failure(res, what);
    await res.body?.cancel();
  }

  /** Every object under the prefix (ListObjectsV2, page by page). */
  async list(prefix: S3Location): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    const what = `list ${s3Uri(prefix)}`;
    let token: string | undefined;
    do {
      const url = new URL(this.url({ bucket: prefix.bucket, key: '' }));
      url.searchParams.set('list-type', '2');
      if (prefix.key) url.searchParams.set('prefix', prefix.key);
      if (token) url.searchParams.set('continuation-token', token);
      const res = await this.send('GET', url.href, { what });
      if (!res.ok) throw await this.failure(res, what);
      const xml = await res.text();
      for (const [, entry] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        objects.push({
          key: xmlText(entry!, 'Key') ?? '',
          size: Number(xmlText(entry!, 'Size') ?? 0),
          lastModified: new Date(xmlText(entry!, 'LastModified') ?? 0),
        });
      }
      token = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined;
    } while (token);
    return objects;
  }

  /** Creates the bucket (for setting up a store; S3 answers 409 when it exists, which is fine here). */
  async createBucket(bucket: string): Promise<void> {
    const what = `create bucket ${bucket}`;
    const res = await this.send('PUT', this.url({ bucket, key: '' }), { what });
    if (!res.ok && res.status !== 409) throw await this.failure(res, what);
    await res.body?.cancel();
  }

  private url({ bucket, key }: S3Location): string {
    const path = key
      .split('/')
      .map((segment) => encodeURIComponent(segment))
      .join('/');
    if (this.endpoint) return `${this.endpoint}/${bucket}/${path}`;
    // Dotted bucket names do not match AWS's wildcard certificate as a host name: path-style for them.
    if (bucket.includes('.')) return `https://s3.${this.region}.amazonaws.com/${bucket}/${path}`;
    return `https://${bucket}.s3.${this.region}.amazonaws.com/${path}`;
  }

  /**
   * Signs and sends one request. Transient failures (no connection, 5xx, 429) are retried when the
   * body can be sent again (a stream is made afresh by its factory); redirects are not followed.
   */
  private async send(
    method: string,
    url: string,
    request: { what: string; headers?: Record<string, string>; body?: Uint8Array | (() => ReadableStream<Uint8Array>); timeoutMs?: number },
  ): Promise<Response> {
    const timeoutMs = request.timeoutMs ?? this.requestTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      let res: Response;
      try {
        const body = typeof request.body === 'function' ? request.body() : request.body;
        const signed = await this.#aws.sign(url, { method, headers: request.headers, body: body as RequestInit['body'] });
        res = await fetch(signed, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        // A refused or dropped connection is worth another try; a request that ran out of time is not.
        if (attempt < RETRIES && (err as Error).name !== 'TimeoutError') {
          await backoff(attempt);
          continue;
        }
        throw this.unreachable(err, request.what, timeoutMs);
      }
      if ((res.status >= 500 || res.status === 429) && attempt < RETRIES) {
        await res.body?.cancel();
        await backoff(attempt);
        continue;
      }
      return res;
    }
  }

  /** A response body read under the transfer timeout, with a timeout or a dropped connection said plainly. */
  private async transfer<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof WindsockError) throw err;
      throw this.unreachable(err, what, this.transferTimeoutMs);
    }
  }

  private unreachable(err: unknown, what: string, timeoutMs: number): WindsockError {
    const error = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      error.name === 'TimeoutError' || error.name === 'AbortError'
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : (error.cause?.code ?? error.cause?.message ?? error.message);
    return new WindsockError('unavailable', `cannot ${what}: the object store at ${this.describe()} is unreachable (${why})`, { retryable: true });
  }

  /** The store's refusal as a WindsockError with the S3 error code and message, never the whole body. */
  private async failure(res: Response, what: string): Promise<WindsockError> {
    const text = res.body ? await res.text().catch(() => '') : '';
    const code = xmlText(text, 'Code');
    const message = xmlText(text, 'Message');
    const detail = [code, message && clip(message)].filter(Boolean).join(': ') || `HTTP ${res.status}`;
    const prefix = `cannot ${what} at ${this.describe()}`;
    const credentials = 'check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)';
    if (code && /InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken|TokenRefreshRequired|AuthorizationHeaderMalformed|XAdminUserNotFound/.test(code)) {
      return new WindsockError('unavailable', `${prefix}: the store refused Windsock's credentials (${detail}); ${credentials}`);
    }
    if (res.status === 301 || res.status === 307 || code === 'PermanentRedirect') {
      return new WindsockError('unavailable', `${prefix}: the bucket is answered elsewhere (${detail}); check WINDSOCK_S3_REGION and WINDSOCK_S3_ENDPOINT`);
    }
    if (res.status === 403) return new WindsockError('forbidden', `${prefix}: access denied (${detail}); ${credentials} and the bucket's policy`);
    if (res.status === 404) return new WindsockError('not_found', `${prefix}: ${code === 'NoSuchBucket' ? 'no such bucket' : 'no such object'} (${detail})`);
    const retryable = res.status >= 500 || res.status === 429;
    return new WindsockError(retryable ? 'unavailable' : 'bad_request', `${prefix}: ${detail}`, { retryable });
  }
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100 * 4 ** attempt));
}

/** The text of the first <tag> in an S3 XML document, entities decoded. */
function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!match) return undefined;
  return match[1]!.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (entity[0] !== '#') return named[entity.toLowerCase()]!;
    return String.fromCodePoint(entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
