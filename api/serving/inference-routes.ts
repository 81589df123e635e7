// The Open Inference Protocol (KServe v2) REST routes: server metadata, health, model metadata and
// readiness, infer (JSON tensors, or the binary tensor data extension when a request carries
// Inference-Header-Content-Length). Errors use the protocol's own body, { "error": "..." }; bad input
// is a 400, never a 500.
// The hot path: these routes run without middleware and answer with a Response whose headers are a
// plain object (request id, model version), which @hono/node-server writes without building a
// Headers object; c.header() would cost about 14 µs a request there.
import { Hono, type Context } from 'hono';
import {
  buildBinaryInferenceResponse, buildInferenceResponse, modelMetadataResponse, parseInferenceRequest, serverMetadataResponse, type InferenceLimits, type InferenceOutput,
} from '../../core/serving/inference-protocol';
import { INFERENCE_HEADER_LENGTH_HEADER, splitBinaryBody } from '../../core/serving/binary-tensor-data';
import { version as windsockVersion } from '../../package.json';
import { pickFromValidatedWeights } from '../../core/serving/traffic-routing';
import type { InferenceRecord } from '../../core/monitoring/version-sketch';
import type { Deployment } from './serving-store';
import type { ApiEnv } from '../http/api-env';
import type { ModelCatalog, ServedModel } from './model-catalog';
import type { SketchRecorder } from './sketch-recorder';
import type { Defer, LatencyClock } from './serving-ports';
import { BodyTooLarge, readBoundedBytes, readBoundedText } from '../http/bounded-body';
import { rememberedIdOf } from './ground-truth-store';

export interface InferenceRouteDeps {
  catalog: ModelCatalog;
  recorder: SketchRecorder;
  recording: boolean;
  clock: LatencyClock;
  defer: (c: Context) => Defer;
  limits: InferenceLimits & { maxBodyBytes: number };
  /** Whether the store answers (readiness). */
  ready: () => Promise<boolean>;
}

export const ROUTING_KEY_HEADER = 'x-windsock-routing-key';
export const MODEL_VERSION_HEADER = 'x-windsock-model-version';
export const REQUEST_ID_HEADER = 'x-request-id';

const requestIdPattern = /^[\w.-]{1,128}$/;

/** The client's request id when it is a sane one, else a new one (as the API's requestId middleware does). */
export function requestIdOf(c: Context<ApiEnv>): string {
  let id = c.get('requestId');
  if (id === undefined) {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    id = incoming !== undefined && requestIdPattern.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', id);
  }
  return id;
}

/** A JSON response with the request id (and the served version) in plain headers. */
export function protocolJson(c: Context<ApiEnv>, body: unknown, status = 200, modelVersion?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestIdOf(c) };
  if (modelVersion !== undefined) headers[MODEL_VERSION_HEADER] = modelVersion;
  return new Response(JSON.stringify(body), { status, headers });
}

const protocolError = (c: Context<ApiEnv>, status: number, message: string) => protocolJson(c, { error: message }, status);

/** A binary tensor data response: the JSON header, then the outputs' bytes. */
function protocolBinary(c: Context<ApiEnv>, body: Uint8Array, headerLength: number, modelVersion: string): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    [INFERENCE_HEADER_LENGTH_HEADER]: String(headerLength),
    [REQUEST_ID_HEADER]: requestIdOf(c),
    [MODEL_VERSION_HEADER]: modelVersion,
  };
  return new Response(body, { status: 200, headers });
}

type RequestBody = { ok: true; json: unknown; binary?: Uint8Array } | { ok: false; response: Response };

/**
 * The request's JSON and, with Inference-Header-Content-Length, the binary data after it; both
 * within the body limit. A plain JSON body takes the text path it always took.
 */
async function readRequestBody(c: Context<ApiEnv>, maxBodyBytes: number): Promise<RequestBody> {
  const headerLength = c.req.raw.headers.get(INFERENCE_HEADER_LENGTH_HEADER);
  let text: string;
  let binary: Uint8Array | undefined;
  try {
    if (headerLength === null) {
      text = await readBoundedText(c.req.raw, maxBodyBytes);
    } else {
      const split = splitBinaryBody(await readBoundedBytes(c.req.raw, maxBodyBytes), headerLength);
      if (!split.ok) return { ok: false, response: protocolError(c, 400, split.error) };
      text = split.header;
      binary = split.binary;
    }
  } catch (err) {
    if (err instanceof BodyTooLarge) return { ok: false, response: protocolError(c, 413, err.message) };
    throw err;
  }
  try {
    return { ok: true, json: JSON.parse(text), binary };
  } catch {
    const what = headerLength === null ? 'request body' : `JSON header (the first ${headerLength} bytes, as Inference-Header-Content-Length says)`;
    return { ok: false, response: protocolError(c, 400, `${what} is not valid JSON`) };
  }
}

/** The version a request goes to: explicit in the path, else by weights and a stable routing key. */
function chooseDeployment(c: Context<ApiEnv>, name: string, served: ServedModel, versionParam: string | undefined): Deployment | string {
  if (versionParam !== undefined) {
    const version = Number(versionParam);
    return (Number.isInteger(version) && served.deployments.get(version)) || `model '${name}' has no version '${versionParam}'`;
  }
  if (!served.weights) return `model '${name}' has no traffic weights yet; publish a version and set weights`;
  const key = c.req.header(ROUTING_KEY_HEADER) ?? requestIdOf(c);
  // The catalog validated these weights when it cached them.
  return served.deployments.get(Number(pickFromValidatedWeights(served.weights, key))) ?? `model '${name}' routes to an unpublished version`;
}

/** The served version for metadata when none is named: the one with the most traffic, newest on ties. */
function primaryDeployment(served: ServedModel): Deployment {
  const versions = [...served.deployments.values()];
  const weight = (d: Deployment) => served.weights?.[String(d.version)] ?? 0;
  return versions.reduce((best, d) => (weight(d) > weight(best) || (weight(d) === weight(best) && d.version > best.version) ? d : best));
}

/** Feature rows and predicted classes for the sketch, when the model is the tabular classifier kind. */
function recordOf(deployment: Deployment, inputs: { shape: number[]; data: ArrayLike<unknown> }[], outputs: InferenceOutput[]): Omit<InferenceRecord, 'latencyMs'> {
  const width = deployment.referenceProfile.features.length;
  const input = inputs[0];
  const rows: number[][] = [];
  if (input && input.shape.length === 2 && input.shape[1] === width && typeof input.data[0] === 'number') {
    const data = input.data as ArrayLike<number>;
    for (let r = 0; r < input.shape[0]!; r++) {
      const row = new Array<number>(width);
      for (let f = 0; f < width; f++) row[f] = data[r * width + f]!;
      rows.push(row);
    }
  }
  const classes = deployment.referenceProfile.prediction.classes.length;
  const probabilities = outputs.find((o) => o.name === 'probabilities') ?? outputs[0];
  const predictedClasses: number[] = [];
  if (probabilities && probabilities.shape.length === 2 && probabilities.shape[1] === classes) {
    const data = probabilities.data as ArrayLike<number>;
    for (let r = 0; r < probabilities.shape[0]!; r++) {
      let best = 0;
      for (let k = 1; k < classes; k++) if (data[r * classes + k]! > data[r * classes + best]!) best = k;
      predictedClasses.push(best);
    }
  }
  return { rows, predictedClasses };
}

export function inferenceRoutes(deps: InferenceRouteDeps) {
  const served = (name: string) => deps.catalog.model(name, Date.now());

  async function metadata(c: Context<ApiEnv>, name: string, version?: string) {
    const model = await served(name);
    if (!model) return protocolError(c, 404, `model '${name}' not found`);
    const deployment = version === undefined ? primaryDeployment(model) : model.deployments.get(Number(version));
    if (!deployment) return protocolError(c, 404, `model '${name}' has no version '${version}'`);
    const versions = [...model.deployments.keys()].map(String);
    return protocolJson(c, modelMetadataResponse(name, version === undefined ? versions : [version], deployment.signature));
  }

  async function readiness(c: Context<ApiEnv>, name: string, version?: string) {
    const model = await served(name);
    if (!model) return protocolError(c, 404, `model '${name}' not found`);
    if (version !== undefined && !model.deployments.has(Number(version))) return protocolError(c, 404, `model '${name}' has no version '${version}'`);
    const ready = version !== undefined || model.weights !== undefined;
    return protocolJson(c, { name, ...(version !== undefined && { version }), ready }, ready ? 200 : 503);
  }

  async function infer(c: Context<ApiEnv>, name: string, versionParam?: string) {
    // The request's start, for the latency sketch: the first thing its handler does (no middleware runs before).
    const receivedAt = deps.clock.now();
    const now = Date.now();
    const model = deps.catalog.cached(name, now) ?? (await deps.catalog.model(name, now));
    if (!model) return protocolError(c, 404, `model '${name}' not found`);
    const chosen = chooseDeployment(c, name, model, versionParam);
    if (typeof chosen === 'string') return protocolError(c, versionParam === undefined ? 503 : 404, chosen);

    const body = await readRequestBody(c, deps.limits.maxBodyBytes);
    if (!body.ok) return body.response;
    const parsed = parseInferenceRequest(body.json, chosen.signature, deps.limits, body.binary);
    if (!parsed.ok) return protocolError(c, 400, parsed.error);

    const outputNames = parsed.request.outputs ?? chosen.signature.outputs.map((o) => o.name);
    let outputs: InferenceOutput[];
    try {
      const session = deps.catalog.loadedSession(chosen) ?? (await deps.catalog.session(chosen));
      outputs = await session.run(parsed.request.inputs, outputNames);
    } catch (err) {
      recordLater(c, chosen, { rows: [], predictedClasses: [], error: true }, receivedAt);
      return protocolError(c, 500, `inference failed for ${name} v${chosen.version}: ${(err as Error).message}`);
    }
    if (deps.recording) {
      // Ground truth joins on the protocol's id, else on the x-request-id every response carries.
      const remembered = deps.recorder.remembersPredictions ? rememberedIdOf(parsed.request.id ?? requestIdOf(c)) : undefined;
      recordLater(c, chosen, recordOf(chosen, parsed.request.inputs, outputs), receivedAt, remembered);
    }
    const version = String(chosen.version);
    const response = { modelName: name, modelVersion: version, id: parsed.request.id, outputs };
    if (parsed.request.binaryOutputs) {
      const { body: bytes, headerLength } = buildBinaryInferenceResponse(response, parsed.request.binaryOutputs);
      return protocolBinary(c, bytes, headerLength, version);
    }
    return protocolJson(c, buildInferenceResponse(response), 200, version);
  }

  /**
   * Records after the response. workerd advances its clock only across I/O, so a clock read around
   * session.run reads ~0; the recorder reads the clock after its settle() (a zero timer there), I/O
   * after the response, so the reading covers what the client waited for: body read, inference,
   * serialisation. Requests answered meanwhile share one settle and one deferred promise.
   */
  function recordLater(c: Context<ApiEnv>, deployment: Deployment, record: Omit<InferenceRecord, 'latencyMs'>, receivedAt: number, requestId?: string) {
    if (!deps.recording) return;
    deps.defer(c)(deps.recorder.recordAfterResponse(deployment.modelName, deployment.version, deployment.referenceProfile, record, receivedAt, requestId));
  }

  return new Hono<ApiEnv>()
    .get('/', (c) => protocolJson(c, serverMetadataResponse(windsockVersion)))
    .get('/health/live', (c) => protocolJson(c, { live: true }))
    .get('/health/ready', async (c) => {
      const ready = await deps.ready().catch(() => false);
      return protocolJson(c, { ready }, ready ? 200 : 503);
    })
    .get('/models/:name', (c) => metadata(c, c.req.param('name')))
    .get('/models/:name/versions/:v', (c) => metadata(c, c.req.param('name'), c.req.param('v')))
    .get('/models/:name/ready', (c) => readiness(c, c.req.param('name')))
    .get('/models/:name/versions/:v/ready', (c) => readiness(c, c.req.param('name'), c.req.param('v')))
    .post('/models/:name/infer', (c) => infer(c, c.req.param('name')))
    .post('/models/:name/versions/:v/infer', (c) => infer(c, c.req.param('name'), c.req.param('v')));
}
