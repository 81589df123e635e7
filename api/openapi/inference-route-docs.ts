// The Open Inference Protocol routes (/v2) in the inference app's OpenAPI document. They stay plain
// routes on the hot path (no validator middleware; the protocol's own error body, not the envelope),
// so they are documented here beside them: the infer body is the protocol's inferenceRequestSchema,
// which parseInferenceRequest checks every request against, with its tensor `data` (a z.custom, which
// zod cannot describe) spelled out.
import { z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { inferenceRequestSchema } from '../../core/serving/inference-protocol';
import { modelName } from '../../contracts/shared-params';
import { documentRoute } from '../http/openapi-routes';

const protocolError = z.object({ error: z.string() }).openapi('InferenceError');
const errorAnswer = (description: string) => ({ description, content: { 'application/json': { schema: protocolError } } });
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });

const modelPath = z.object({ name: modelName });
const versionPath = modelPath.extend({ v: z.string().regex(/^\d+$/) });
const tensor = z.object({ name: z.string(), shape: z.array(z.number().int()), datatype: z.string(), data: z.array(z.unknown()).optional(), parameters: z.record(z.string(), z.unknown()).optional() });
const inferenceResponse = z.object({ model_name: z.string(), model_version: z.string().optional(), id: z.string().optional(), outputs: z.array(tensor) }).openapi('InferenceResponse');
const modelMetadata = z
  .object({ name: z.string(), versions: z.array(z.string()), platform: z.literal('onnx'), inputs: z.array(tensor.pick({ name: true, datatype: true, shape: true })), outputs: z.array(tensor.pick({ name: true, datatype: true, shape: true })) })
  .openapi('ModelMetadata');
const protocolInput = inferenceRequestSchema.shape.inputs.element;
export const documentedInferenceRequest = inferenceRequestSchema
  .extend({
    inputs: z.array(
      protocolInput.extend({
        data: z.array(z.unknown()).optional().openapi({ description: "The tensor's elements, flat in row-major order or nested as the shape; absent when they come as binary data (parameters.binary_data_size)." }),
      }),
    ),
  })
  .openapi('InferenceRequest');
const binaryBody = {
  schema: z.string().openapi({
    format: 'binary',
    description: 'The binary tensor data extension: the JSON request (InferenceRequest) of Inference-Header-Content-Length bytes, then the tensors\' bytes.',
  }),
};
const readiness = z.object({ name: z.string(), version: z.string().optional(), ready: z.boolean() }).openapi('ModelReadiness');
const tags = ['inference'];
// Public, and refused in the protocol's error body (each route lists its own), not the envelope.
const publicRoute = { roles: 'public', envelopeErrors: false } as const;

function inferRoute(path: string, params: typeof modelPath): RouteConfig {
  return {
    method: 'post',
    path,
    tags,
    summary: 'Runs the model on a batch (JSON tensors, or binary tensor data); the served version is picked by traffic weight (x-windsock-routing-key pins it) unless the path names one',
    request: { params, body: { required: true, content: { 'application/json': { schema: documentedInferenceRequest }, 'application/octet-stream': binaryBody } } },
    responses: {
      200: {
        description: 'the outputs; x-windsock-model-version names the version that served them',
        content: { 'application/json': { schema: inferenceResponse }, 'application/octet-stream': binaryBody },
      },
      400: errorAnswer('the request does not fit the protocol or the model signature'),
      404: errorAnswer('no such model or version'),
      413: errorAnswer('the body or batch is larger than the limits'),
      500: errorAnswer('inference failed'),
    },
  };
}

/** Puts the /v2 routes into `app`'s document (paths as `app` serves them). */
export function documentInferenceRoutes<E extends Env>(app: OpenAPIHono<E>, prefix = '/v2'): void {
  const routes: RouteConfig[] = [
    { method: 'get', path: `${prefix}`, tags, summary: 'Server metadata', responses: { 200: json(z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }).openapi('ServerMetadata'), 'the server') } },
    { method: 'get', path: `${prefix}/health/live`, tags, summary: 'Liveness', responses: { 200: json(z.object({ live: z.boolean() }), 'live') } },
    { method: 'get', path: `${prefix}/health/ready`, tags, summary: 'Readiness (the store answers)', responses: { 200: json(z.object({ ready: z.boolean() }), 'ready'), 503: errorAnswer('not ready') } },
    { method: 'get', path: `${prefix}/models/{name}`, tags, summary: "The model's metadata: served versions, inputs and outputs", request: { params: modelPath }, responses: { 200: json(modelMetadata, 'the model'), 404: errorAnswer('no such model') } },
    { method: 'get', path: `${prefix}/models/{name}/versions/{v}`, tags, summary: "A version's metadata", request: { params: versionPath }, responses: { 200: json(modelMetadata, 'the version'), 404: errorAnswer('no such version') } },
    { method: 'get', path: `${prefix}/models/{name}/ready`, tags, summary: 'Whether the model serves', request: { params: modelPath }, responses: { 200: json(readiness, 'it serves'), 503: json(readiness, 'it does not serve (no traffic weights)'), 404: errorAnswer('no such model') } },
    { method: 'get', path: `${prefix}/models/{name}/versions/{v}/ready`, tags, summary: 'Whether the version serves', request: { params: versionPath }, responses: { 200: json(readiness, 'it serves'), 404: errorAnswer('no such version') } },
    inferRoute(`${prefix}/models/{name}/infer`, modelPath),
    inferRoute(`${prefix}/models/{name}/versions/{v}/infer`, versionPath),
  ];
  for (const route of routes) documentRoute(app, publicRoute, route);
}
