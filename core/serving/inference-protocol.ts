// The Open Inference Protocol (KServe v2) over REST, with JSON tensors and the binary tensor data
// extension: request checking against a model's ONNX signature, response, model- and server-metadata
// bodies. Existing Triton, KServe and MLServer clients speak this, so field names follow the protocol
// (snake_case), not Windsock's style.
import { z } from 'zod';
import type { ModelSignature, TensorSpec } from './model-signature';
import { tensorDatatypes } from './model-signature';
import { datatypeByteSize, decodeBinaryTensor, encodeBinaryTensor, isByteCount, joinBinaryBody } from './binary-tensor-data';

type Datatype = TensorSpec['datatype'];

/**
 * Tensor data as the backend takes it. FP32 -> Float32Array, FP64 -> Float64Array,
 * FP16 -> Float32Array (values checked against FP16's range; the backend narrows them, since
 * Float16Array is not in every runtime), INT8/16/32 and UINT8/16/32 -> the matching typed array,
 * INT64 -> BigInt64Array, UINT64 -> BigUint64Array, BOOL -> Uint8Array of 0/1, BYTES -> string[].
 */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

const parameterValue = z.union([z.string(), z.number(), z.boolean()]);
const parametersSchema = z.record(z.string(), parameterValue);

// `data` is checked element by element in one pass by parseInferenceRequest. Letting zod walk it
// (z.array(z.unknown())) copies the array and costs about 30 ms per million elements.
const tensorDataSchema = z.custom<unknown[]>((value) => Array.isArray(value), { message: 'expected an array' });

/**
 * The raw request body (the JSON header, with binary tensor data). `data` may be flat in row-major
 * order or nested as the shape; an input whose data comes as binary has `parameters.binary_data_size`
 * instead. Unknown keys and parameters are accepted and ignored, so clients that send extra fields
 * (Triton's `model_name`, `priority`, `timeout`, custom parameters) keep working.
 */
export const inferenceRequestSchema = z.object({
  id: z.string().optional(),
  parameters: parametersSchema.optional(),
  inputs: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().min(0)),
      datatype: z.enum(tensorDatatypes),
      parameters: parametersSchema.optional(),
      data: tensorDataSchema.optional(),
    }),
  ),
  outputs: z.array(z.object({ name: z.string(), parameters: parametersSchema.optional() })).optional(),
});

export type InferenceRequestBody = z.infer<typeof inferenceRequestSchema>;

/** One checked input; `shape` is the request's concrete shape. */
export interface InferenceInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorArray;
}

export interface ParsedInferenceRequest {
  id?: string;
  /** In the signature's input order, whatever order the request used. */
  inputs: InferenceInput[];
  /** Requested output names; undefined (also for an empty list) means every output. */
  outputs?: string[];
  /**
   * Outputs to answer as binary data (the request's `binary_data_output`, or an output's own
   * `binary_data`, which overrides it): 'all' when no outputs were listed and binary_data_output is
   * true; undefined when the response is plain JSON.
   */
  binaryOutputs?: 'all' | string[];
}

export type ParseInferenceResult = { ok: true; request: ParsedInferenceRequest } | { ok: false; error: string };

export interface InferenceLimits {
  /** Largest leading dimension, applied to inputs whose signature leaves that dimension dynamic (-1). */
  maxBatch?: number;
  /** Largest number of elements across all inputs, checked before any data is read. */
  maxElements?: number;
}

const FP32_MAX = 3.4028234663852886e38;
const FP16_MAX = 65504;

const integerRange: Partial<Record<Datatype, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
};

/**
 * Checks a request body against the model's signature and converts each input's data into a typed
 * array in one pass. Never throws on bad input: the error names the input and the problem, fit for a
 * 400 body. Cheap checks (names, datatypes, shapes, sizes, limits) all run before any data is read,
 * so an oversized request is refused without allocating for it.
 *
 * `binary` is what followed the JSON header in a binary-data request (`Inference-Header-Content-Length`),
 * undefined for a plain JSON body: inputs with `parameters.binary_data_size` take their bytes from it
 * in the order the request lists them, and together they must use all of it.
 */
export function parseInferenceRequest(body: unknown, signature: ModelSignature, limits: InferenceLimits = {}, binary?: Uint8Array): ParseInferenceResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('request body must be a JSON object');
  let raw = plainRequestBody(body as Record<string, unknown>);
  if (!raw) {
    const parsed = inferenceRequestSchema.safeParse(body);
    if (!parsed.success) return fail(describeIssue(parsed.error.issues[0]));
    raw = parsed.data;
  }

  // Matched request input per signature input, so the result comes out in signature order.
  const matched: Array<(typeof raw.inputs)[number] | undefined> = new Array(signature.inputs.length);
  const counts: number[] = new Array(signature.inputs.length);
  // Each binary input's bytes, by signature index (made only when one comes); the offset walks the
  // binary section in request order.
  let binaries: Array<Uint8Array | undefined> | undefined;
  let binaryOffset = 0;
  let totalElements = 0;
  for (const input of raw.inputs) {
    const at = signature.inputs.findIndex((spec) => spec.name === input.name);
    if (at < 0) {
      return fail(`input '${input.name}' is not an input of this model (it takes ${signature.inputs.map((s) => `'${s.name}'`).join(', ')})`);
    }
    if (matched[at]) return fail(`input '${input.name}' appears more than once`);
    matched[at] = input;
    const spec = signature.inputs[at]!;
    if (input.datatype !== spec.datatype) return fail(`input '${input.name}': expected datatype ${spec.datatype}, got ${input.datatype}`);
    if (!shapeMatches(input.shape, spec.shape)) {
      return fail(`input '${input.name}': shape ${formatShape(input.shape)} does not match the model's ${formatShape(spec.shape)}`);
    }
    if (limits.maxBatch !== undefined && spec.shape[0] === -1 && input.shape[0]! > limits.maxBatch) {
      return fail(`input '${input.name}': batch of ${input.shape[0]} exceeds the limit of ${limits.maxBatch}`);
    }
    const count = elementCount(input.shape);
    if (count > Number.MAX_SAFE_INTEGER) return fail(`input '${input.name}': shape ${formatShape(input.shape)} is too large`);
    counts[at] = count;
    totalElements += count;
    const parameters = input.parameters;
    if (parameters !== undefined) {
      if (parameters.shared_memory_region !== undefined) return fail(`input '${input.name}': the shared memory extension is not supported; send the data as JSON or binary`);
      const size = parameters.binary_data_size;
      if (size !== undefined) {
        const taken = takeBinary(input.name, input.datatype, input.shape, count, size, input.data !== undefined, binary, binaryOffset);
        if (typeof taken === 'string') return fail(taken);
        binaries ??= new Array(signature.inputs.length);
        binaries[at] = taken;
        binaryOffset += taken.byteLength;
        continue;
      }
    }
    if (input.data === undefined) return fail(`input '${input.name}': data is missing`);
  }
  const missing = signature.inputs.findIndex((_, i) => !matched[i]);
  if (missing >= 0) return fail(`input '${signature.inputs[missing]!.name}' is missing`);
  if (binary !== undefined && binaryOffset !== binary.byteLength) {
    return fail(`the body has ${binary.byteLength} bytes of binary data after the JSON header, but the inputs' binary_data_size add up to ${binaryOffset}`);
  }
  if (limits.maxElements !== undefined && totalElements > limits.maxElements) {
    return fail(`request holds ${totalElements} elements, more than the limit of ${limits.maxElements}`);
  }

  let selection: OutputSelection = {};
  if (raw.parameters !== undefined || raw.outputs !== undefined) {
    const selected = selectOutputs(raw, signature);
    if (typeof selected === 'string') return fail(selected);
    selection = selected;
  }

  const inputs: InferenceInput[] = [];
  for (let i = 0; i < matched.length; i++) {
    const input = matched[i]!;
    const bytes = binaries?.[i];
    const converted = bytes
      ? decodeBinaryTensor(bytes, input.datatype as Exclude<Datatype, 'BYTES'>, counts[i]!)
      : convertData(input.data!, input.shape, input.datatype, counts[i]!);
    if (typeof converted === 'string') return fail(`input '${input.name}': ${bytes ? 'binary data: ' : ''}${converted}`);
    inputs.push({ name: input.name, datatype: input.datatype, shape: input.shape, data: converted });
  }

  const request: ParsedInferenceRequest = { inputs };
  if (raw.id !== undefined) request.id = raw.id;
  if (selection.outputs) request.outputs = selection.outputs;
  if (selection.binaryOutputs) request.binaryOutputs = selection.binaryOutputs;
  return { ok: true, request };
}

type OutputSelection = Pick<ParsedInferenceRequest, 'outputs' | 'binaryOutputs'>;

/** The requested outputs and which of them go back as binary data, or why the request cannot have them. */
function selectOutputs(raw: InferenceRequestBody, signature: ModelSignature): OutputSelection | string {
  const binaryDefault = raw.parameters?.binary_data_output ?? false;
  if (typeof binaryDefault !== 'boolean') return `parameters.binary_data_output must be true or false, got ${JSON.stringify(binaryDefault)}`;
  if (!raw.outputs || raw.outputs.length === 0) return binaryDefault ? { binaryOutputs: 'all' } : {};
  const outputs: string[] = [];
  const binaryNames: string[] = [];
  for (const { name, parameters } of raw.outputs) {
    if (!signature.outputs.some((spec) => spec.name === name)) {
      return `output '${name}' is not an output of this model (it has ${signature.outputs.map((s) => `'${s.name}'`).join(', ')})`;
    }
    if (outputs.includes(name)) return `output '${name}' is requested more than once`;
    outputs.push(name);
    const asBinary = parameters?.binary_data ?? binaryDefault;
    if (typeof asBinary !== 'boolean') return `output '${name}': parameters.binary_data must be true or false, got ${JSON.stringify(asBinary)}`;
    if (asBinary) binaryNames.push(name);
    if (parameters?.classification !== undefined) return `output '${name}': the classification extension is not supported; ask for the output itself`;
    if (parameters?.shared_memory_region !== undefined) return `output '${name}': the shared memory extension is not supported`;
  }
  return binaryNames.length > 0 ? { outputs, binaryOutputs: binaryNames } : { outputs };
}

/**
 * The bytes of one binary input from the binary section at `offset`, or the reason they cannot be
 * taken: the size must be a byte count that is exactly what the shape and datatype need, and must
 * lie within the body.
 */
function takeBinary(
  name: string, datatype: Datatype, shape: readonly number[], count: number, size: unknown, hasData: boolean, binary: Uint8Array | undefined, offset: number,
): Uint8Array | string {
  const input = `input '${name}'`;
  if (!isByteCount(size)) return `${input}: parameters.binary_data_size must be a non-negative integer number of bytes, got ${JSON.stringify(size)}`;
  if (hasData) return `${input} has both data and parameters.binary_data_size; send one`;
  if (binary === undefined) return `${input} has parameters.binary_data_size but the request has no Inference-Header-Content-Length header to say where the binary data starts`;
  if (datatype === 'BYTES') return `${input}: BYTES tensors as binary data are not supported; send them as JSON strings`;
  const expected = count * datatypeByteSize[datatype];
  if (size !== expected) {
    return `${input}: binary_data_size is ${size} bytes, but shape ${formatShape(shape)} of ${datatype} needs ${expected} (${count} elements of ${datatypeByteSize[datatype]} bytes)`;
  }
  if (offset + size > binary.byteLength) {
    return `${input}: its ${size} bytes of binary data run past the end of the body (${binary.byteLength - offset} bytes left after the JSON header and the inputs before it)`;
  }
  return binary.subarray(offset, offset + size);
}

const datatypeNames: ReadonlySet<string> = new Set(tensorDatatypes);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The request body as inferenceRequestSchema would return it, for the common body without
 * `parameters`, checked by hand (zod costs a few µs per request on the serving path); undefined for
 * anything else, which then goes through the schema for its verdict and its message. It accepts
 * only bodies the schema accepts, and keeps the same fields.
 */
function plainRequestBody(body: Record<string, unknown>): InferenceRequestBody | undefined {
  const { id, inputs, outputs } = body;
  if (body.parameters !== undefined || (id !== undefined && typeof id !== 'string') || !Array.isArray(inputs)) return undefined;
  const checkedInputs: InferenceRequestBody['inputs'] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const input: unknown = inputs[i];
    if (!isRecord(input) || input.parameters !== undefined) return undefined;
    const { name, shape, datatype, data } = input;
    if (typeof name !== 'string' || typeof datatype !== 'string' || !datatypeNames.has(datatype) || !Array.isArray(shape)) return undefined;
    for (let d = 0; d < shape.length; d++) {
      const dim: unknown = shape[d];
      if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) return undefined;
    }
    if (data !== undefined && !Array.isArray(data)) return undefined;
    checkedInputs[i] = { name, shape: shape as number[], datatype: datatype as Datatype, ...(data !== undefined && { data: data as unknown[] }) };
  }
  const checked: InferenceRequestBody = { inputs: checkedInputs };
  if (id !== undefined) checked.id = id;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) return undefined;
    const checkedOutputs: NonNullable<InferenceRequestBody['outputs']> = new Array(outputs.length);
    for (let i = 0; i < outputs.length; i++) {
      const output: unknown = outputs[i];
      if (!isRecord(output) || output.parameters !== undefined || typeof output.name !== 'string') return undefined;
      checkedOutputs[i] = { name: output.name };
    }
    checked.outputs = checkedOutputs;
  }
  return checked;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid request body';
  let path = '';
  for (const key of issue.path) path += typeof key === 'number' ? `[${key}]` : path ? `.${String(key)}` : String(key);
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** -1 in the signature accepts any dimension of at least 1; other dimensions must be equal. */
function shapeMatches(shape: readonly number[], expected: readonly number[]): boolean {
  if (shape.length !== expected.length) return false;
  for (let i = 0; i < shape.length; i++) {
    const want = expected[i]!;
    if (want === -1 ? shape[i]! < 1 : shape[i] !== want) return false;
  }
  return true;
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const d of shape) count *= d;
  return count;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

function allocate(datatype: Datatype, count: number): TensorArray {
  switch (datatype) {
    case 'FP16':
    case 'FP32':
      return new Float32Array(count);
    case 'FP64':
      return new Float64Array(count);
    case 'INT8':
      return new Int8Array(count);
    case 'INT16':
      return new Int16Array(count);
    case 'INT32':
      return new Int32Array(count);
    case 'INT64':
      return new BigInt64Array(count);
    case 'UINT8':
    case 'BOOL':
      return new Uint8Array(count);
    case 'UINT16':
      return new Uint16Array(count);
    case 'UINT32':
      return new Uint32Array(count);
    case 'UINT64':
      return new BigUint64Array(count);
    case 'BYTES':
      return new Array<string>(count);
  }
}

/**
 * Validates and copies `data` into a new typed array; returns the array or the reason it failed.
 * Data is either flat (every element a scalar) or nested exactly as the shape. Nesting is checked
 * first, touching only the arrays, so the allocation matches data that is really there.
 */
function convertData(data: unknown[], shape: readonly number[], datatype: Datatype, count: number): TensorArray | string {
  const rank = shape.length;
  const nested = rank >= 2 && Array.isArray(data[0]);
  if (nested) {
    const mismatch = checkNesting(data, shape);
    if (mismatch) return mismatch;
  } else if (data.length !== count) {
    return `shape ${formatShape(shape)} holds ${count} elements, data has ${data.length}`;
  }
  const out = allocate(datatype, count);
  // 64-bit integers are written as two 32-bit words, sparing a BigInt allocation per element.
  const target = out instanceof BigInt64Array || out instanceof BigUint64Array ? new Uint32Array(out.buffer) : out;
  let bad: number;
  if (nested) {
    const strides: number[] = new Array(rank);
    let stride = 1;
    for (let d = rank - 1; d >= 0; d--) {
      strides[d] = stride;
      stride *= shape[d]!;
    }
    bad = fillNested(data, 0, rank - 1, strides, 0, target, datatype);
  } else {
    bad = fillRow(data, target, 0, datatype);
  }
  if (bad >= 0) return describeElement(nested ? elementAt(data, bad, shape) : data[bad], bad, datatype, shape);
  return out;
}

function checkNesting(data: unknown[], shape: readonly number[]): string | null {
  const path: number[] = [];
  const where = () => `data${path.map((i) => `[${i}]`).join('')}`;
  const walk = (level: unknown, depth: number): string | null => {
    if (!Array.isArray(level)) return `${where()} is not an array; nested data must follow shape ${formatShape(shape)}`;
    if (level.length !== shape[depth]) {
      return `${where()} has ${level.length} elements where shape ${formatShape(shape)} needs ${shape[depth]}`;
    }
    if (depth === shape.length - 1) return null;
    for (let i = 0; i < level.length; i++) {
      path.push(i);
      const error = walk(level[i], depth + 1);
      if (error) return error;
      path.pop();
    }
    return null;
  };
  return walk(data, 0);
}

function fillNested(level: unknown[], depth: number, lastDepth: number, strides: readonly number[], base: number, out: TensorArray, datatype: Datatype): number {
  if (depth === lastDepth) {
    const bad = fillRow(level, out, base, datatype);
    return bad < 0 ? -1 : base + bad;
  }
  const stride = strides[depth]!;
  for (let i = 0; i < level.length; i++) {
    const bad = fillNested(level[i] as unknown[], depth + 1, lastDepth, strides, base + i * stride, out, datatype);
    if (bad >= 0) return bad;
  }
  return -1;
}

/** Fills out[offset...] from one row; returns the index within the row of the first bad element, or -1. */
function fillRow(row: unknown[], out: TensorArray, offset: number, datatype: Datatype): number {
  switch (datatype) {
    case 'FP32':
      return fillFloat(row, out as Float32Array, offset, FP32_MAX);
    case 'FP64':
      return fillFloat(row, out as Float64Array, offset, Number.MAX_VALUE);
    case 'FP16':
      return fillFloat(row, out as Float32Array, offset, FP16_MAX);
    case 'INT64':
      return fillInt64(row, out as Uint32Array, offset, -Number.MAX_SAFE_INTEGER);
    case 'UINT64':
      return fillInt64(row, out as Uint32Array, offset, 0);
    case 'BOOL':
      return fillBool(row, out as Uint8Array, offset);
    case 'BYTES':
      return fillBytes(row, out as string[], offset);
    default: {
      const [min, max] = integerRange[datatype]!;
      return fillInteger(row, out as Int32Array, offset, min, max);
    }
  }
}

function fillFloat(row: unknown[], out: Float32Array | Float64Array, offset: number, limit: number): number {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    // The negated comparison also catches NaN.
    if (typeof v !== 'number' || !(v <= limit && v >= -limit)) return i;
    out[offset + i] = v;
  }
  return -1;
}

function fillInteger(row: unknown[], out: Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array, offset: number, min: number, max: number): number {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return i;
    out[offset + i] = v;
  }
  return -1;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW_WORD = littleEndian ? 0 : 1;
const HIGH_WORD = littleEndian ? 1 : 0;

// JSON numbers beyond 2^53 - 1 have already lost digits when parsed, so only safe integers pass.
function fillInt64(row: unknown[], words: Uint32Array, offset: number, min: number): number {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) return i;
    const at = 2 * (offset + i);
    words[at + LOW_WORD] = v >>> 0;
    // Floor division yields the two's-complement high word for negatives; the store wraps it.
    words[at + HIGH_WORD] = Math.floor(v / 4294967296);
  }
  return -1;
}

function fillBool(row: unknown[], out: Uint8Array, offset: number): number {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v === true) out[offset + i] = 1;
    else if (v !== false) return i;
  }
  return -1;
}

function fillBytes(row: unknown[], out: string[], offset: number): number {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v !== 'string') return i;
    out[offset + i] = v;
  }
  return -1;
}

/** The element at a row-major index of data nested as `shape` (only called to explain an error). */
function elementAt(data: unknown[], index: number, shape: readonly number[]): unknown {
  let level: unknown = data;
  let stride = elementCount(shape);
  let rest = index;
  for (let d = 0; d < shape.length; d++) {
    stride /= shape[d]!;
    const i = Math.floor(rest / stride);
    rest -= i * stride;
    level = (level as unknown[])[i];
  }
  return level;
}

function describeElement(value: unknown, index: number, datatype: Datatype, shape: readonly number[]): string {
  const element = `element ${index}`;
  if (Array.isArray(value)) return `${element} is an array; data must be flat or nested exactly as shape ${formatShape(shape)}`;
  switch (datatype) {
    case 'BOOL':
      return `${element} is not a boolean`;
    case 'BYTES':
      return `${element} is not a string`;
    case 'FP16':
    case 'FP32':
    case 'FP64':
      if (typeof value === 'number' && Number.isFinite(value)) return `${element} is out of range for ${datatype}`;
      return `${element} is not a finite number`;
    case 'INT64':
    case 'UINT64':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${element} is not an integer`;
      if (datatype === 'UINT64' && value < 0) return `${element} is negative, and UINT64 is unsigned`;
      return `${element} is beyond ±(2^53-1), which JSON numbers cannot carry exactly; ${datatype} over JSON is limited to that range`;
    default: {
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${element} is not an integer`;
      const [min, max] = integerRange[datatype]!;
      return `${element} is out of range for ${datatype} [${min}, ${max}]`;
    }
  }
}

/** A tensor produced by the model, e.g. an ONNX Runtime output's dims, type and data. */
export interface InferenceOutput {
  name: string;
  datatype: Datatype;
  shape: readonly number[];
  data: ArrayLike<number | bigint | string | boolean>;
}

export interface InferenceResponseOutput {
  name: string;
  shape: number[];
  datatype: Datatype;
  data: Array<number | string | boolean>;
}

/** An output answered as binary data: its bytes follow the JSON header. */
export interface BinaryResponseOutput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters: { binary_data_size: number };
}

export interface InferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: InferenceResponseOutput[];
}

/**
 * The response body. Data is flat, row-major. BigInt values (INT64/UINT64) become numbers when they
 * are safe integers and decimal strings otherwise, so no digit is lost; clients that want exact 64-bit
 * values must accept either. BOOL data becomes true/false. Float32 values are written as the exact
 * doubles they hold (0.1f appears as 0.10000000149011612). NaN and ±Infinity have no JSON form:
 * JSON.stringify writes them as null.
 * Throws if an output's data length disagrees with its shape: that is a backend bug, not bad input.
 */
export function buildInferenceResponse(response: { modelName: string; modelVersion?: string; id?: string; outputs: readonly InferenceOutput[] }): InferenceResponse {
  const outputs = response.outputs.map((output): InferenceResponseOutput => {
    const count = elementCount(output.shape);
    if (output.data.length !== count) {
      throw new Error(`output '${output.name}' has ${output.data.length} elements but shape ${formatShape(output.shape)}`);
    }
    return { name: output.name, shape: [...output.shape], datatype: output.datatype, data: toJsonData(output.data, output.datatype === 'BOOL') };
  });
  return {
    model_name: response.modelName,
    ...(response.modelVersion !== undefined && { model_version: response.modelVersion }),
    ...(response.id !== undefined && { id: response.id }),
    outputs,
  };
}

/**
 * The response as the binary tensor data extension writes it: the JSON header (outputs named in
 * `binaryOutputs` carry `parameters.binary_data_size` instead of `data`) and then their bytes, in
 * the header's output order. `headerLength` is the header's size in bytes, for
 * `Inference-Header-Content-Length`. Throws, as buildInferenceResponse does, on a backend's output
 * whose data disagrees with its shape.
 */
export function buildBinaryInferenceResponse(
  response: { modelName: string; modelVersion?: string; id?: string; outputs: readonly InferenceOutput[] },
  binaryOutputs: 'all' | readonly string[],
): { body: Uint8Array; headerLength: number } {
  const tensors: Uint8Array[] = [];
  const outputs = response.outputs.map((output): InferenceResponseOutput | BinaryResponseOutput => {
    const count = elementCount(output.shape);
    if (output.data.length !== count) {
      throw new Error(`output '${output.name}' has ${output.data.length} elements but shape ${formatShape(output.shape)}`);
    }
    if (binaryOutputs !== 'all' && !binaryOutputs.includes(output.name)) {
      return { name: output.name, shape: [...output.shape], datatype: output.datatype, data: toJsonData(output.data, output.datatype === 'BOOL') };
    }
    const bytes = encodeBinaryTensor(output);
    tensors.push(bytes);
    return { name: output.name, shape: [...output.shape], datatype: output.datatype, parameters: { binary_data_size: bytes.byteLength } };
  });
  const header = {
    model_name: response.modelName,
    ...(response.modelVersion !== undefined && { model_version: response.modelVersion }),
    ...(response.id !== undefined && { id: response.id }),
    outputs,
  };
  return joinBinaryBody(JSON.stringify(header), tensors);
}

function toJsonData(data: ArrayLike<number | bigint | string | boolean>, bool: boolean): Array<number | string | boolean> {
  const out = new Array<number | string | boolean>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (bool) out[i] = typeof v === 'boolean' ? v : Number(v) !== 0;
    else if (typeof v === 'bigint') out[i] = v >= -MAX_SAFE_BIGINT && v <= MAX_SAFE_BIGINT ? Number(v) : v.toString();
    else out[i] = v;
  }
  return out;
}

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** For clients and tests reading responses; `data` is as buildInferenceResponse writes it (null for non-finite floats). */
export const inferenceResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: parametersSchema.optional(),
  outputs: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().min(0)),
      datatype: z.enum(tensorDatatypes),
      parameters: parametersSchema.optional(),
      data: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])),
    }),
  ),
});

/** The protocol's error body: a bare string, not Windsock's `{ error: { code, message } }` envelope. */
export function inferenceErrorBody(message: string): { error: string } {
  return { error: message };
}

/** The protocol extensions Windsock implements, as Triton names them in its server metadata. */
export const supportedExtensions = ['binary_tensor_data'] as const;

export interface ServerMetadataResponse {
  name: string;
  version: string;
  extensions: string[];
}

/** Body of `GET /v2`. */
export function serverMetadataResponse(version: string): ServerMetadataResponse {
  return { name: 'windsock', version, extensions: [...supportedExtensions] };
}

export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: 'onnx';
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/**
 * Body of `GET /v2/models/{name}` (all served versions) and `GET /v2/models/{name}/versions/{v}`
 * (pass `[v]`). Shapes keep -1 for dynamic dimensions, as the protocol writes them.
 */
export function modelMetadataResponse(name: string, versions: readonly string[], signature: ModelSignature): ModelMetadataResponse {
  const copy = (spec: TensorSpec): TensorSpec => ({ name: spec.name, datatype: spec.datatype, shape: [...spec.shape] });
  return { name, versions: [...versions], platform: 'onnx', inputs: signature.inputs.map(copy), outputs: signature.outputs.map(copy) };
}
