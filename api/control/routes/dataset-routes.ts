// /v1/datasets: versioned datasets uploaded as CSV (maintainers), read by anyone signed in, and a
// dataset spec proposed from a sample. An upload streams to a spool file while it is hashed, counted
// and checked as CSV, and is stored only when it passes: content-addressed in the artifact store, then
// numbered in the registry (the same bytes again answer with their existing version).
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import type { BlobStore } from '../../../artifacts/blob-store';
import { CsvError } from '../../../core/data/csv';
import { CsvStreamReader, type CsvStreamSummary } from '../../../core/data/csv-stream-reader';
import { datasetName, formatDatasetReference, parseDatasetReference } from '../../../core/data/dataset-reference';
import { inferDatasetSpec } from '../../../core/data/infer-dataset-spec';
import { WindsockError } from '../../../core/windsock-error';
import type { DatasetStore, DatasetVersion } from '../../../registry/dataset-store';
import { requireRole } from '../../http/bearer-auth';
import { apiRoute, documentRoute, jsonAnswer, openApiRoutes, typedObject } from '../../http/openapi-routes';
import { readBoundedText } from '../../http/bounded-body';
import { describeZodError } from '../../http/error-envelope';
import { validate } from '../../http/validate';

export const DEFAULT_DATASET_UPLOAD_MAX_BYTES = 256 * 1024 * 1024;
/** infer-spec reads at most this much of a file, and at most INFER_SAMPLE_ROWS rows of it. */
export const INFER_SAMPLE_BYTES = 8 * 1024 * 1024;
export const INFER_SAMPLE_ROWS = 100_000;
/** A version's detail previews this many rows, from at most PREVIEW_BYTES of the file. */
export const PREVIEW_ROWS = 10;
const PREVIEW_BYTES = 64 * 1024;
const JSON_BODY_BYTES = 4096;

const CSV_TYPE = /^text\/csv\s*(?:;|$)/i;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export const datasetNameParam = z.object({ name: datasetName });
export const datasetVersionParam = datasetNameParam.extend({ v: z.coerce.number().int().min(1, 'versions start at 1').max(1e9) });
export const uploadQuery = z.object({ description: z.string().max(2000).optional() });
export const inferQuery = z.object({ target: z.string().min(1).max(1024) });
export const inferBody = z.strictObject({ dataset: z.string().max(300).refine((ref) => parseDatasetReference(ref) !== undefined, 'dataset://<name> or dataset://<name>/<version>') });

export interface DatasetRouteDeps {
  datasets: DatasetStore;
  blobs: BlobStore;
  /** The largest upload (WINDSOCK_DATASET_UPLOAD_MAX_BYTES); DEFAULT_DATASET_UPLOAD_MAX_BYTES when left out. */
  uploadMaxBytes?: number;
  /** Where uploads are spooled while they are checked; the OS's temp directory when left out. */
  spoolDir?: string;
  /**
   * Called once a new version is stored: starts the retrains of models that follow the dataset
   * (`retrain.onNewData`); what it answers goes into the upload's answer.
   */
  onNewVersion?: (reference: string, by: string) => Promise<NewDataRetrain[]>;
}

/** A model retrained because a dataset it follows has a new version; `error` when the request failed (the version is kept). */
export interface NewDataRetrain {
  model: string;
  requested: boolean;
  error?: string;
}

/**
 * The routes that read their bodies themselves, streamed and bounded by their own limits: the app's
 * JSON body limit must leave them alone (it would refuse, or buffer, every dataset).
 */
export function isDatasetStreamingRoute(method: string, pathname: string): boolean {
  return (method === 'PUT' && /^\/v1\/datasets\/[^/]+$/.test(pathname)) || (method === 'POST' && pathname === '/v1/datasets/infer-spec');
}

function versionView(v: DatasetVersion) {
  return {
    name: v.datasetName,
    version: v.version,
    sha256: v.sha256,
    size: v.sizeBytes,
    rows: v.rows,
    columns: v.columns,
    uri: formatDatasetReference(v.datasetName, v.version),
    createdBy: v.createdBy,
    createdAt: v.createdAt,
  };
}

/** 415 unless the body is CSV in UTF-8 (the only charset the checks read). */
function requireCsv(contentType: string | undefined): void {
  if (!contentType || !CSV_TYPE.test(contentType)) {
    throw new WindsockError('unsupported_media_type', `send the dataset as CSV (content-type: text/csv), not ${contentType ? `'${contentType.slice(0, 100)}'` : 'without a content-type'}`);
  }
  const charset = /;\s*charset="?([^";\s]+)/i.exec(contentType)?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) throw new WindsockError('unsupported_media_type', `send the CSV as UTF-8, not ${charset.slice(0, 40)}`);
}

function csvRefusal(err: unknown): never {
  if (err instanceof CsvError) throw new WindsockError('bad_request', `not a CSV file Windsock can read: ${err.message}`);
  throw err;
}

/** A request body as chunks, over `limit` a 413 (declared or counted; the rest is not read). */
async function* boundedChunks(request: Request, limit: number): AsyncGenerator<Uint8Array> {
  const tooLarge = () => new WindsockError('payload_too_large', `the dataset is larger than the limit of ${limit} bytes (WINDSOCK_DATASET_UPLOAD_MAX_BYTES)`);
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (request.body === null) return;
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    yield chunk;
  }
}

async function* noChunks(): AsyncGenerator<Uint8Array> {}

/** Writes an upload to `file` while hashing it and reading it as CSV: a 400 or 413 as soon as it is neither. */
async function spoolCsv(request: Request, file: string, limit: number): Promise<{ sha256: string; size: number; summary: CsvStreamSummary }> {
  const hash = createHash('sha256');
  const reader = new CsvStreamReader();
  let size = 0;
  const handle = await open(file, 'w');
  try {
    for await (const chunk of boundedChunks(request, limit)) {
      reader.push(chunk);
      hash.update(chunk);
      size += chunk.byteLength;
      await handle.write(chunk);
    }
    return { sha256: hash.digest('hex'), size, summary: reader.end() };
  } catch (err) {
    csvRefusal(err);
  } finally {
    await handle.close();
  }
}

/**
 * Reads CSV chunks for a sample: until the input ends, `maxBytes` have been read or the reader holds
 * INFER_SAMPLE_ROWS rows. Breaking out of the loop cancels the source (the request body, the file).
 */
async function readSample(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes: number, keepRows: number): Promise<CsvStreamSummary> {
  const reader = new CsvStreamReader({ keepRows });
  let read = 0;
  let stopped = false;
  try {
    for await (const chunk of chunks) {
      const room = maxBytes - read;
      reader.push(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
      read += Math.min(chunk.byteLength, room);
      if (read >= maxBytes || reader.sampleFull) {
        stopped = true;
        break;
      }
    }
    return stopped ? reader.endSample() : reader.end();
  } catch (err) {
    csvRefusal(err);
  }
}

const datasetVersionSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    sha256: z.string(),
    size: z.number().int(),
    rows: z.number().int(),
    columns: z.array(z.string()),
    uri: z.string().openapi({ example: 'dataset://churn/3' }),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi('DatasetVersion');
const csvBody = { 'text/csv': { schema: z.string().openapi({ format: 'binary', description: 'CSV in UTF-8 with a header row' }) } };
const newDataRetrainSchema = z.object({ model: z.string(), requested: z.boolean(), error: z.string().optional() }).openapi('NewDataRetrain');

const listDatasetsRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/',
    tags: ['datasets'],
    summary: 'The datasets, each with its latest version',
    responses: {
      200: jsonAnswer(
        z.object({
          datasets: z.array(z.object({ name: z.string(), description: z.string().nullable(), versions: z.number().int(), latest: datasetVersionSchema.nullable(), createdBy: z.string(), createdAt: z.iso.datetime() }).openapi('DatasetSummary')),
        }),
        'the datasets',
      ),
    },
  },
);
const getDatasetRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}',
    tags: ['datasets'],
    summary: 'A dataset with its versions',
    request: { params: datasetNameParam },
    responses: { 200: jsonAnswer(typedObject<Awaited<ReturnType<DatasetStore['require']>> & { versions: z.infer<typeof datasetVersionSchema>[] }>('Dataset', 'The dataset (name, description, who created it) and every version.', { name: { type: 'string' }, versions: { type: 'array' } }), 'the dataset') },
  },
);
const getDatasetVersionRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}/versions/{v}',
    tags: ['datasets'],
    summary: 'A dataset version with a preview of its first rows',
    request: { params: datasetVersionParam },
    responses: {
      200: jsonAnswer(datasetVersionSchema.extend({ preview: z.object({ rows: z.array(z.array(z.string())), truncated: z.boolean() }) }).openapi('DatasetVersionDetail'), 'the version'),
    },
  },
);
const uploadRoute: RouteConfig = {
  method: 'put',
  path: '/{name}',
  tags: ['datasets'],
  summary: "Uploads a version of the dataset as CSV (streamed; WINDSOCK_DATASET_UPLOAD_MAX_BYTES bounds it); the same bytes again answer with their version",
  request: { params: datasetNameParam, query: uploadQuery, body: { required: true, content: csvBody } },
  responses: {
    200: jsonAnswer(datasetVersionSchema, 'these bytes were uploaded before: their version'),
    201: jsonAnswer(datasetVersionSchema.extend({ retrains: z.array(newDataRetrainSchema).optional() }).openapi('DatasetUploaded'), 'a new version, and the retrains it started'),
  },
};
const inferSpecRoute: RouteConfig = {
  method: 'post',
  path: '/infer-spec',
  tags: ['datasets'],
  summary: 'Proposes a dataset spec from a sample: a stored dataset (JSON) or the CSV itself',
  request: { query: inferQuery, body: { required: true, content: { 'application/json': { schema: inferBody }, ...csvBody } } },
  responses: { 200: jsonAnswer(z.object({ datasetSpec: typedObject<ReturnType<typeof inferDatasetSpec>['datasetSpec']>('DatasetSpec', 'The columns, their types, ranges and categories, and the target.'), notes: z.array(z.string()) }).openapi('InferredDatasetSpec'), 'the proposed spec') },
} as const;

export function datasetRoutes({ datasets, blobs, uploadMaxBytes = DEFAULT_DATASET_UPLOAD_MAX_BYTES, spoolDir, onNewVersion }: DatasetRouteDeps) {
  /** The first rows of a stored version, for a person to see what it holds. */
  async function preview(version: DatasetVersion) {
    // The head only (a ranged read on object storage): a version may be hundreds of MiB.
    const sample = await readSample([await blobs.readHead(version.artifactUri, PREVIEW_BYTES)], PREVIEW_BYTES, PREVIEW_ROWS);
    return { rows: sample.sample, truncated: version.rows > sample.sample.length };
  }

  const app = openApiRoutes();
  // The streaming routes are plain routes (their bodies are read by hand), documented beside them.
  documentRoute(app, { roles: ['maintainer'], errors: [413] }, uploadRoute);
  documentRoute(app, { roles: ['maintainer'], errors: [404, 413] }, inferSpecRoute);
  return app
    .openapi(listDatasetsRoute, async (c) => {
      const list = await datasets.list();
      return c.json({
        datasets: list.map((d) => ({
          name: d.name,
          description: d.description,
          versions: d.versions,
          latest: d.latest ? versionView(d.latest) : null,
          createdBy: d.createdBy,
          createdAt: d.createdAt,
        })),
      }, 200);
    })
    .openapi(getDatasetRoute, async (c) => {
      const dataset = await datasets.require(c.req.valid('param').name);
      const versions = await datasets.listVersions(dataset.name);
      return c.json({ ...dataset, versions: versions.map(versionView) }, 200);
    })
    .openapi(getDatasetVersionRoute, async (c) => {
      const { name, v } = c.req.valid('param');
      const version = await datasets.requireVersion(name, v);
      return c.json({ ...versionView(version), preview: await preview(version) }, 200);
    })
    .post('/infer-spec', requireRole('maintainer'), validate('query', inferQuery), async (c) => {
      const { target } = c.req.valid('query');
      const contentType = c.req.header('content-type');
      let sample: CsvStreamSummary;
      let source: string;
      if (contentType && JSON_TYPE.test(contentType)) {
        let json: unknown;
        try {
          json = JSON.parse(await readBoundedText(c.req.raw, JSON_BODY_BYTES));
        } catch {
          throw new WindsockError('bad_request', `body: send {"dataset": "dataset://<name>[/<version>]"} as JSON of at most ${JSON_BODY_BYTES} bytes, or the CSV itself as text/csv`);
        }
        const parsed = inferBody.safeParse(json);
        if (!parsed.success) throw new WindsockError('bad_request', describeZodError('body', parsed.error));
        source = await datasets.pin(parsed.data.dataset);
        const { uri } = await datasets.locate(source);
        sample = await readSample([await blobs.readHead(uri, INFER_SAMPLE_BYTES)], INFER_SAMPLE_BYTES, INFER_SAMPLE_ROWS);
      } else {
        requireCsv(contentType);
        source = 'the request body';
        sample = await readSample(c.req.raw.body ?? noChunks(), INFER_SAMPLE_BYTES, INFER_SAMPLE_ROWS);
      }
      const { datasetSpec, notes } = inferDatasetSpec({ header: sample.header, rows: sample.sample }, { target });
      const partial = sample.truncated || sample.rows > sample.sample.length;
      notes.unshift(
        partial
          ? `inferred from the first ${sample.sample.length} rows of ${source} (at most ${INFER_SAMPLE_ROWS} rows and ${INFER_SAMPLE_BYTES} bytes are read): rows further on may fall outside the ranges and categories`
          : `inferred from all ${sample.sample.length} rows of ${source}`,
      );
      return c.json({ datasetSpec, notes });
    })
    .put('/:name', requireRole('maintainer'), validate('param', datasetNameParam), validate('query', uploadQuery), async (c) => {
      const { name } = c.req.valid('param');
      const { description } = c.req.valid('query');
      requireCsv(c.req.header('content-type'));
      const spool = await mkdtemp(path.join(spoolDir ?? os.tmpdir(), 'windsock-dataset-'));
      try {
        const file = path.join(spool, 'data.csv');
        const { sha256, size, summary } = await spoolCsv(c.req.raw, file, uploadMaxBytes);
        if (summary.rows === 0) throw new WindsockError('bad_request', 'not a dataset: line 2: the file has a header but no data rows');
        const by = c.get('principal').name;
        // The same bytes again: their version, without storing them twice.
        const existing = await datasets.findBySha256(name, sha256);
        if (existing) {
          if (description !== undefined) await datasets.setDescription(name, description);
          return c.json(versionView(existing), 200);
        }
        const stored = await blobs.putFile(`datasets/${name}/${sha256}/data.csv`, file);
        if (stored.sha256 !== sha256) throw new WindsockError('internal', `the artifact store holds other bytes than were uploaded for dataset '${name}' (${stored.sha256}, not ${sha256})`, { retryable: true });
        const { version, created } = await datasets.createVersion({ name, description, sha256, sizeBytes: size, rows: summary.rows, columns: summary.header, artifactUri: stored.uri, by });
        if (!created) return c.json(versionView(version), 200);
        const retrains = onNewVersion ? await onNewVersion(formatDatasetReference(name, version.version), by) : [];
        return c.json({ ...versionView(version), ...(retrains.length > 0 ? { retrains } : {}) }, 201);
      } finally {
        await rm(spool, { recursive: true, force: true });
      }
    });
}
