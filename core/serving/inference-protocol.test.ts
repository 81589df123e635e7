import { describe, expect, it } from 'vitest';
import {
  buildBinaryInferenceResponse,
  buildInferenceResponse,
  inferenceErrorBody,
  inferenceResponseSchema,
  modelMetadataResponse,
  parseInferenceRequest,
  serverMetadataResponse,
} from './inference-protocol';
import type { ParseInferenceResult } from './inference-protocol';
import type { ModelSignature } from './model-signature';

const signature: ModelSignature = {
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ],
};

function features(shape: number[], data: unknown, datatype = 'FP32') {
  return { inputs: [{ name: 'features', shape, datatype, data }] };
}

function errorOf(result: ParseInferenceResult): string {
  if (result.ok) throw new Error('expected the request to be refused');
  return result.error;
}

function single(datatype: string, shape: number[], data: unknown, specShape = shape) {
  const sig: ModelSignature = { inputs: [{ name: 'x', datatype: datatype as never, shape: specShape }], outputs: [] };
  return parseInferenceRequest({ inputs: [{ name: 'x', datatype, shape, data }] }, sig);
}

describe('parseInferenceRequest: accepted requests', () => {
  it('reads flat row-major data into a Float32Array, keeping the id', () => {
    const result = parseInferenceRequest({ id: 'req-1', ...features([2, 3], [1, 2, 3, 4, 5, 6.5]) }, signature);
    expect(result).toEqual({
      ok: true,
      request: { id: 'req-1', inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) }] },
    });
  });

  it('reads nested data to the same tensor as flat data', () => {
    const flat = parseInferenceRequest(features([2, 3], [1, 2, 3, 4, 5, 6]), signature);
    const nested = parseInferenceRequest(features([2, 3], [[1, 2, 3], [4, 5, 6]]), signature);
    expect(nested).toEqual(flat);
  });

  it('returns inputs in the signature order, whatever order the request used', () => {
    const sig: ModelSignature = {
      inputs: [
        { name: 'a', datatype: 'FP64', shape: [1] },
        { name: 'b', datatype: 'INT32', shape: [2] },
      ],
      outputs: [],
    };
    const result = parseInferenceRequest(
      { inputs: [{ name: 'b', shape: [2], datatype: 'INT32', data: [7, -8] }, { name: 'a', shape: [1], datatype: 'FP64', data: [0.1] }] },
      sig,
    );
    if (!result.ok) throw new Error(result.error);
    expect(result.request.inputs.map((i) => i.name)).toEqual(['a', 'b']);
    expect(result.request.inputs[0]!.data).toEqual(new Float64Array([0.1]));
    expect(result.request.inputs[1]!.data).toEqual(new Int32Array([7, -8]));
  });

  it('lists requested outputs, and treats an absent or empty list as every output', () => {
    const some = parseInferenceRequest({ ...features([1, 3], [1, 2, 3]), outputs: [{ name: 'label' }] }, signature);
    expect(some.ok && some.request.outputs).toEqual(['label']);
    const none = parseInferenceRequest({ ...features([1, 3], [1, 2, 3]), outputs: [] }, signature);
    expect(none.ok && 'outputs' in none.request).toBe(false);
    const absent = parseInferenceRequest(features([1, 3], [1, 2, 3]), signature);
    expect(absent.ok && 'outputs' in absent.request).toBe(false);
  });

  it('accepts request and tensor parameters and ignores fields it does not know', () => {
    const result = parseInferenceRequest(
      { parameters: { priority: 1 }, client: 'triton', inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', parameters: { content_type: 'np' }, data: [1, 2, 3] }] },
      signature,
    );
    expect(result.ok).toBe(true);
  });

  it('converts each datatype into its typed array', () => {
    const cases: Array<[string, unknown[], unknown]> = [
      ['FP16', [1.5, -65504], new Float32Array([1.5, -65504])],
      ['INT8', [-128, 127], new Int8Array([-128, 127])],
      ['INT16', [-32768, 32767], new Int16Array([-32768, 32767])],
      ['UINT8', [0, 255], new Uint8Array([0, 255])],
      ['UINT16', [0, 65535], new Uint16Array([0, 65535])],
      ['UINT32', [0, 4294967295], new Uint32Array([0, 4294967295])],
      ['BOOL', [true, false], new Uint8Array([1, 0])],
      ['BYTES', ['a', 'ü'], ['a', 'ü']],
    ];
    for (const [datatype, data, expected] of cases) {
      const result = single(datatype, [2], data);
      expect(result.ok && result.request.inputs[0]!.data, datatype).toEqual(expected);
    }
  });

  it('carries 64-bit integers exactly across the whole safe-integer range', () => {
    const values = [0, 1, -1, 4294967295, 4294967296, -4294967296, -4294967297, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789012345];
    const int64 = single('INT64', [values.length], values);
    expect(int64.ok && int64.request.inputs[0]!.data).toEqual(new BigInt64Array(values.map(BigInt)));
    const unsigned = [0, 4294967296, 2 ** 53 - 1];
    const uint64 = single('UINT64', [3], unsigned);
    expect(uint64.ok && uint64.request.inputs[0]!.data).toEqual(new BigUint64Array(unsigned.map(BigInt)));
  });

  it('accepts any positive size for a dynamic dimension and a scalar for a rank-0 input', () => {
    expect(parseInferenceRequest(features([5, 3], new Array(15).fill(0)), signature).ok).toBe(true);
    const scalar = single('FP32', [], [2.5]);
    expect(scalar.ok && scalar.request.inputs[0]!.data).toEqual(new Float32Array([2.5]));
  });

  it('reads deeper nesting (rank 3)', () => {
    const result = single('INT32', [2, 2, 2], [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [-1, 2, 2]);
    expect(result.ok && result.request.inputs[0]!.data).toEqual(new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]));
  });
});

describe('parseInferenceRequest: refused requests name the input and the problem', () => {
  it('refuses bodies that are not a request', () => {
    expect(errorOf(parseInferenceRequest('x', signature))).toBe('request body must be a JSON object');
    expect(errorOf(parseInferenceRequest([], signature))).toBe('request body must be a JSON object');
    expect(errorOf(parseInferenceRequest({}, signature))).toMatch(/^inputs: /);
    expect(errorOf(parseInferenceRequest({ inputs: [{ name: 'features', shape: '2x3', datatype: 'FP32', data: [] }] }, signature))).toMatch(/^inputs\[0\]\.shape: /);
    expect(errorOf(parseInferenceRequest(features([1, 3], [1, 2, 3], 'FLOAT32'), signature))).toMatch(/^inputs\[0\]\.datatype: /);
    expect(errorOf(parseInferenceRequest({ inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: 'abc' }] }, signature))).toBe('inputs[0].data: expected an array');
  });

  it('refuses unknown, duplicate and missing inputs', () => {
    expect(errorOf(parseInferenceRequest({ inputs: [{ name: 'feats', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, signature))).toBe(
      "input 'feats' is not an input of this model (it takes 'features')",
    );
    const twice = features([1, 3], [1, 2, 3]);
    expect(errorOf(parseInferenceRequest({ inputs: [...twice.inputs, ...twice.inputs] }, signature))).toBe("input 'features' appears more than once");
    expect(errorOf(parseInferenceRequest({ inputs: [] }, signature))).toBe("input 'features' is missing");
  });

  it('refuses a datatype or shape that differs from the signature', () => {
    expect(errorOf(parseInferenceRequest(features([1, 3], [1, 2, 3], 'INT64'), signature))).toBe("input 'features': expected datatype FP32, got INT64");
    expect(errorOf(parseInferenceRequest(features([2, 31], []), signature))).toBe("input 'features': shape [2,31] does not match the model's [-1,3]");
    expect(errorOf(parseInferenceRequest(features([6], []), signature))).toBe("input 'features': shape [6] does not match the model's [-1,3]");
    expect(errorOf(parseInferenceRequest(features([0, 3], []), signature))).toBe("input 'features': shape [0,3] does not match the model's [-1,3]");
  });

  it('refuses data whose size or nesting disagrees with the shape', () => {
    expect(errorOf(parseInferenceRequest(features([2, 3], [1, 2, 3, 4, 5]), signature))).toBe("input 'features': shape [2,3] holds 6 elements, data has 5");
    expect(errorOf(parseInferenceRequest(features([2, 3], [[1, 2, 3], [4, 5]]), signature))).toBe(
      "input 'features': data[1] has 2 elements where shape [2,3] needs 3",
    );
    expect(errorOf(parseInferenceRequest(features([2, 3], [[1, 2, 3]]), signature))).toBe("input 'features': data has 1 elements where shape [2,3] needs 2");
    expect(errorOf(parseInferenceRequest(features([2, 3], [[1, 2, 3], 4]), signature))).toBe(
      "input 'features': data[1] is not an array; nested data must follow shape [2,3]",
    );
    expect(errorOf(parseInferenceRequest(features([2, 3], [1, 2, 3, 4, 5, [6]]), signature))).toBe(
      "input 'features': element 5 is an array; data must be flat or nested exactly as shape [2,3]",
    );
    expect(errorOf(parseInferenceRequest(features([1, 3], [[[1], [2], [3]]]), signature))).toBe(
      "input 'features': element 0 is an array; data must be flat or nested exactly as shape [1,3]",
    );
  });

  it('refuses non-finite and non-numeric values, naming the row-major element index', () => {
    for (const bad of [null, 'NaN', '1.5', NaN, Infinity, -Infinity, true, {}]) {
      expect(errorOf(parseInferenceRequest(features([2, 3], [1, 2, 3, 4, bad, 6]), signature))).toBe("input 'features': element 4 is not a finite number");
      expect(errorOf(parseInferenceRequest(features([2, 3], [[1, 2, 3], [4, bad, 6]]), signature))).toBe("input 'features': element 4 is not a finite number");
    }
  });

  it('refuses floats beyond the datatype range', () => {
    expect(errorOf(single('FP32', [1], [1e39]))).toBe("input 'x': element 0 is out of range for FP32");
    expect(errorOf(single('FP16', [2], [1, 70000]))).toBe("input 'x': element 1 is out of range for FP16");
    expect(single('FP64', [1], [1e300]).ok).toBe(true);
  });

  it('refuses integers that are fractional or out of range', () => {
    expect(errorOf(single('INT32', [2], [1, 2.5]))).toBe("input 'x': element 1 is not an integer");
    expect(errorOf(single('INT8', [1], [128]))).toBe("input 'x': element 0 is out of range for INT8 [-128, 127]");
    expect(errorOf(single('UINT8', [1], [-1]))).toBe("input 'x': element 0 is out of range for UINT8 [0, 255]");
    expect(errorOf(single('UINT32', [1], [4294967296]))).toBe("input 'x': element 0 is out of range for UINT32 [0, 4294967295]");
    expect(errorOf(single('INT64', [1], ['5']))).toBe("input 'x': element 0 is not an integer");
    expect(errorOf(single('UINT64', [1], [-1]))).toBe("input 'x': element 0 is negative, and UINT64 is unsigned");
    expect(errorOf(single('INT64', [1], [2 ** 60]))).toMatch(/^input 'x': element 0 is beyond ±\(2\^53-1\)/);
  });

  it('refuses non-boolean BOOL data and non-string BYTES data', () => {
    expect(errorOf(single('BOOL', [2], [true, 1]))).toBe("input 'x': element 1 is not a boolean");
    expect(errorOf(single('BYTES', [2], ['a', 1]))).toBe("input 'x': element 1 is not a string");
  });

  it('refuses unknown or repeated requested outputs', () => {
    expect(errorOf(parseInferenceRequest({ ...features([1, 3], [1, 2, 3]), outputs: [{ name: 'score' }] }, signature))).toBe(
      "output 'score' is not an output of this model (it has 'probabilities', 'label')",
    );
    expect(errorOf(parseInferenceRequest({ ...features([1, 3], [1, 2, 3]), outputs: [{ name: 'label' }, { name: 'label' }] }, signature))).toBe(
      "output 'label' is requested more than once",
    );
  });

  it('refuses an input with neither data nor binary data', () => {
    const noData = { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32' }] };
    expect(errorOf(parseInferenceRequest(noData, signature))).toBe("input 'features': data is missing");
  });

  it('refuses the extensions it does not implement by name: shared memory, classification', () => {
    const shm = { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', parameters: { shared_memory_region: 'in0', shared_memory_byte_size: 12 } }] };
    expect(errorOf(parseInferenceRequest(shm, signature))).toBe("input 'features': the shared memory extension is not supported; send the data as JSON or binary");
    const classify = { ...features([1, 3], [1, 2, 3]), outputs: [{ name: 'probabilities', parameters: { classification: 1 } }] };
    expect(errorOf(parseInferenceRequest(classify, signature))).toBe("output 'probabilities': the classification extension is not supported; ask for the output itself");
    const shmOut = { ...features([1, 3], [1, 2, 3]), outputs: [{ name: 'label', parameters: { shared_memory_region: 'out0' } }] };
    expect(errorOf(parseInferenceRequest(shmOut, signature))).toBe("output 'label': the shared memory extension is not supported");
  });
});

/** Little-endian bytes of float32 values, as numpy's tobytes() gives them. */
function fp32Bytes(values: number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return new Uint8Array(view.buffer);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const binaryFeatures = (shape: number[], size: unknown, extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'features', shape, datatype: 'FP32', parameters: { binary_data_size: size } }],
  ...extra,
});

describe('parseInferenceRequest: binary tensor data', () => {
  it('reads an input from the bytes after the JSON header, as a JSON body of the same values gives it', () => {
    const values = [1, 2.5, -3, 4e-7, 5, 6];
    const binary = parseInferenceRequest(binaryFeatures([2, 3], 24, { id: 'b-1' }), signature, {}, fp32Bytes(values));
    expect(binary).toEqual(parseInferenceRequest({ id: 'b-1', ...features([2, 3], [...new Float32Array(values)]) }, signature));
  });

  it('takes binary inputs in the order the request lists them, and mixes them with JSON inputs', () => {
    const sig: ModelSignature = {
      inputs: [
        { name: 'a', datatype: 'INT64', shape: [2] },
        { name: 'b', datatype: 'BOOL', shape: [3] },
        { name: 'c', datatype: 'FP64', shape: [1] },
        { name: 'd', datatype: 'UINT16', shape: [2] },
      ],
      outputs: [],
    };
    const a = new Uint8Array(new BigInt64Array([-(2n ** 62n), 2n ** 62n + 1n]).buffer);
    const b = new Uint8Array([1, 0, 1]);
    const d = new Uint8Array(new Uint16Array([65535, 7]).buffer);
    const body = {
      inputs: [
        { name: 'd', datatype: 'UINT16', shape: [2], parameters: { binary_data_size: 4 } },
        { name: 'c', datatype: 'FP64', shape: [1], data: [0.5] },
        { name: 'b', datatype: 'BOOL', shape: [3], parameters: { binary_data_size: 3 } },
        { name: 'a', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
      ],
    };
    const result = parseInferenceRequest(body, sig, {}, concat(d, b, a));
    if (!result.ok) throw new Error(result.error);
    expect(result.request.inputs.map((i) => i.data)).toEqual([
      new BigInt64Array([-(2n ** 62n), 2n ** 62n + 1n]), // exact beyond 2^53, which JSON cannot carry
      new Uint8Array([1, 0, 1]),
      new Float64Array([0.5]),
      new Uint16Array([65535, 7]),
    ]);
  });

  it('reads FP16 bits into float32 values', () => {
    const sig: ModelSignature = { inputs: [{ name: 'h', datatype: 'FP16', shape: [4] }], outputs: [] };
    const halves = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001]).buffer);
    const result = parseInferenceRequest({ inputs: [{ name: 'h', datatype: 'FP16', shape: [4], parameters: { binary_data_size: 8 } }] }, sig, {}, halves);
    expect(result.ok && result.request.inputs[0]!.data).toEqual(new Float32Array([1, -2, 0.333251953125, 2 ** -24]));
  });

  it('reads binary data that starts at an odd offset in the body', () => {
    const sig: ModelSignature = {
      inputs: [{ name: 'flag', datatype: 'BOOL', shape: [1] }, { name: 'features', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [],
    };
    const body = {
      inputs: [
        { name: 'flag', datatype: 'BOOL', shape: [1], parameters: { binary_data_size: 1 } },
        { name: 'features', datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: 12 } },
      ],
    };
    const result = parseInferenceRequest(body, sig, {}, concat(new Uint8Array([1]), fp32Bytes([7, 8, 9])));
    expect(result.ok && result.request.inputs[1]!.data).toEqual(new Float32Array([7, 8, 9]));
  });

  it('refuses sizes that disagree with the shape and datatype, or with the body', () => {
    expect(errorOf(parseInferenceRequest(binaryFeatures([2, 3], 20), signature, {}, fp32Bytes([1, 2, 3, 4, 5])))).toBe(
      "input 'features': binary_data_size is 20 bytes, but shape [2,3] of FP32 needs 24 (6 elements of 4 bytes)",
    );
    expect(errorOf(parseInferenceRequest(binaryFeatures([2, 3], 24), signature, {}, fp32Bytes([1, 2, 3, 4, 5])))).toBe(
      "input 'features': its 24 bytes of binary data run past the end of the body (20 bytes left after the JSON header and the inputs before it)",
    );
    expect(errorOf(parseInferenceRequest(binaryFeatures([1, 3], 12), signature, {}, fp32Bytes([1, 2, 3, 4])))).toBe(
      "the body has 16 bytes of binary data after the JSON header, but the inputs' binary_data_size add up to 12",
    );
    expect(errorOf(parseInferenceRequest(features([1, 3], [1, 2, 3]), signature, {}, fp32Bytes([1])))).toBe(
      "the body has 4 bytes of binary data after the JSON header, but the inputs' binary_data_size add up to 0",
    );
  });

  it.each([
    [-12, '-12'],
    [1.5, '1.5'],
    ['12', '"12"'],
    [true, 'true'],
  ])('refuses a binary_data_size of %s', (size, shown) => {
    expect(errorOf(parseInferenceRequest(binaryFeatures([1, 3], size), signature, {}, fp32Bytes([1, 2, 3])))).toBe(
      `input 'features': parameters.binary_data_size must be a non-negative integer number of bytes, got ${shown}`,
    );
  });

  it('refuses binary_data_size without a binary section, with data beside it, and for BYTES', () => {
    expect(errorOf(parseInferenceRequest(binaryFeatures([1, 3], 12), signature))).toBe(
      "input 'features' has parameters.binary_data_size but the request has no Inference-Header-Content-Length header to say where the binary data starts",
    );
    const both = { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', parameters: { binary_data_size: 12 }, data: [1, 2, 3] }] };
    expect(errorOf(parseInferenceRequest(both, signature, {}, fp32Bytes([1, 2, 3])))).toBe("input 'features' has both data and parameters.binary_data_size; send one");
    const sig: ModelSignature = { inputs: [{ name: 's', datatype: 'BYTES', shape: [1] }], outputs: [] };
    const bytes = { inputs: [{ name: 's', shape: [1], datatype: 'BYTES', parameters: { binary_data_size: 6 } }] };
    expect(errorOf(parseInferenceRequest(bytes, sig, {}, new Uint8Array([2, 0, 0, 0, 104, 105])))).toBe(
      "input 's': BYTES tensors as binary data are not supported; send them as JSON strings",
    );
  });

  it('refuses non-finite floats and BOOL bytes other than 0 and 1, as JSON does', () => {
    expect(errorOf(parseInferenceRequest(binaryFeatures([1, 3], 12), signature, {}, fp32Bytes([1, Number.NaN, 3])))).toBe(
      "input 'features': binary data: element 1 is not a finite number (NaN)",
    );
    expect(errorOf(parseInferenceRequest(binaryFeatures([1, 3], 12), signature, {}, fp32Bytes([1, 2, -Infinity])))).toBe(
      "input 'features': binary data: element 2 is not a finite number (-Infinity)",
    );
    const sig: ModelSignature = { inputs: [{ name: 'b', datatype: 'BOOL', shape: [2] }], outputs: [] };
    const body = { inputs: [{ name: 'b', shape: [2], datatype: 'BOOL', parameters: { binary_data_size: 2 } }] };
    expect(errorOf(parseInferenceRequest(body, sig, {}, new Uint8Array([1, 2])))).toBe("input 'b': binary data: element 1 is byte 2, and BOOL bytes must be 0 or 1");
  });

  it('applies the batch and element limits before reading binary data', () => {
    expect(errorOf(parseInferenceRequest(binaryFeatures([5, 3], 60), signature, { maxBatch: 4 }, new Uint8Array(60)))).toBe(
      "input 'features': batch of 5 exceeds the limit of 4",
    );
    expect(errorOf(parseInferenceRequest(binaryFeatures([4, 3], 48), signature, { maxElements: 10 }, new Uint8Array(48)))).toBe(
      'request holds 12 elements, more than the limit of 10',
    );
  });

  it('asks for binary outputs by binary_data_output, overridden per output by binary_data', () => {
    const input = features([1, 3], [1, 2, 3]);
    const all = parseInferenceRequest({ ...input, parameters: { binary_data_output: true } }, signature);
    expect(all.ok && all.request.binaryOutputs).toBe('all');
    const perOutput = parseInferenceRequest({ ...input, outputs: [{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'label' }] }, signature);
    expect(perOutput.ok && perOutput.request.binaryOutputs).toEqual(['probabilities']);
    const overridden = parseInferenceRequest(
      { ...input, parameters: { binary_data_output: true }, outputs: [{ name: 'probabilities', parameters: { binary_data: false } }, { name: 'label' }] },
      signature,
    );
    expect(overridden.ok && overridden.request.binaryOutputs).toEqual(['label']);
    const json = parseInferenceRequest({ ...input, outputs: [{ name: 'label', parameters: { binary_data: false } }] }, signature);
    expect(json.ok && 'binaryOutputs' in json.request).toBe(false);
    expect(errorOf(parseInferenceRequest({ ...input, parameters: { binary_data_output: 'yes' } }, signature))).toBe(
      'parameters.binary_data_output must be true or false, got "yes"',
    );
    expect(errorOf(parseInferenceRequest({ ...input, outputs: [{ name: 'label', parameters: { binary_data: 1 } }] }, signature))).toBe(
      "output 'label': parameters.binary_data must be true or false, got 1",
    );
  });

  it('accepts Triton and KServe request fields it does not use (model_name, priority, timeout, custom parameters)', () => {
    const body = {
      id: 'r', model_name: 'bc', parameters: { priority: 1, timeout: 1000, my_custom: 'x', binary_data_output: false },
      inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', parameters: { binary_data_size: 12, content_type: 'np' } }],
    };
    expect(parseInferenceRequest(body, signature, {}, fp32Bytes([1, 2, 3])).ok).toBe(true);
  });
});

describe('parseInferenceRequest: limits', () => {
  it('caps the batch on a dynamic leading dimension', () => {
    expect(parseInferenceRequest(features([4, 3], new Array(12).fill(1)), signature, { maxBatch: 4 }).ok).toBe(true);
    expect(errorOf(parseInferenceRequest(features([5, 3], new Array(15).fill(1)), signature, { maxBatch: 4 }))).toBe(
      "input 'features': batch of 5 exceeds the limit of 4",
    );
  });

  it('does not treat a fixed leading dimension as a batch', () => {
    expect(single('FP32', [8, 2], new Array(16).fill(0), [8, 2]).ok).toBe(true);
    const sig: ModelSignature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [8, 2] }], outputs: [] };
    expect(parseInferenceRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [8, 2], data: new Array(16).fill(0) }] }, sig, { maxBatch: 4 }).ok).toBe(true);
  });

  it('caps the total number of elements before reading any data', () => {
    expect(errorOf(parseInferenceRequest(features([4, 3], new Array(12).fill(1)), signature, { maxElements: 11 }))).toBe(
      'request holds 12 elements, more than the limit of 11',
    );
    // The data is never walked, so a huge claimed shape costs nothing.
    expect(errorOf(parseInferenceRequest(features([1e12, 3], []), signature, { maxElements: 1000 }))).toBe(
      'request holds 3000000000000 elements, more than the limit of 1000',
    );
  });

  it('does not allocate for a claimed shape the nested data does not fill', () => {
    const sig: ModelSignature = { inputs: [{ name: 'x', datatype: 'FP64', shape: [-1, -1, -1] }], outputs: [] };
    const spine = [[new Array(100000).fill(0)]];
    const body = { inputs: [{ name: 'x', datatype: 'FP64', shape: [1, 100000, 100000], data: spine }] };
    expect(errorOf(parseInferenceRequest(body, sig))).toBe("input 'x': data[0] has 1 elements where shape [1,100000,100000] needs 100000");
  });
});

describe('buildInferenceResponse', () => {
  it('writes the protocol body from typed-array outputs', () => {
    const body = buildInferenceResponse({
      modelName: 'breast-cancer',
      modelVersion: '3',
      id: 'req-1',
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.25, 0.75, 1, 0]) },
        { name: 'label', datatype: 'INT64', shape: [2], data: new BigInt64Array([1n, 0n]) },
      ],
    });
    expect(body).toEqual({
      model_name: 'breast-cancer',
      model_version: '3',
      id: 'req-1',
      outputs: [
        { name: 'probabilities', shape: [2, 2], datatype: 'FP32', data: [0.25, 0.75, 1, 0] },
        { name: 'label', shape: [2], datatype: 'INT64', data: [1, 0] },
      ],
    });
    expect(inferenceResponseSchema.safeParse(JSON.parse(JSON.stringify(body))).success).toBe(true);
  });

  it('omits the version and id when not given', () => {
    const body = buildInferenceResponse({ modelName: 'm', outputs: [] });
    expect(body).toEqual({ model_name: 'm', outputs: [] });
    expect(Object.keys(body)).toEqual(['model_name', 'outputs']);
  });

  it('writes 64-bit integers beyond the safe range as decimal strings so no digit is lost', () => {
    const body = buildInferenceResponse({
      modelName: 'm',
      outputs: [{ name: 'ids', datatype: 'INT64', shape: [3], data: new BigInt64Array([2n ** 53n - 1n, 2n ** 53n, -(2n ** 63n)]) }],
    });
    expect(body.outputs[0]!.data).toEqual([2 ** 53 - 1, '9007199254740992', '-9223372036854775808']);
  });

  it('writes BOOL outputs as true/false', () => {
    const body = buildInferenceResponse({ modelName: 'm', outputs: [{ name: 'flag', datatype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) }] });
    expect(body.outputs[0]!.data).toEqual([true, false, true]);
  });

  it('throws when an output disagrees with its own shape, which is a backend bug', () => {
    expect(() => buildInferenceResponse({ modelName: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 2], data: new Float32Array(3) }] })).toThrow(
      "output 'y' has 3 elements but shape [2,2]",
    );
  });

  it('has an error body in the protocol form', () => {
    expect(inferenceErrorBody("input 'features' is missing")).toEqual({ error: "input 'features' is missing" });
  });
});

describe('buildBinaryInferenceResponse', () => {
  const outputs = [
    { name: 'probabilities', datatype: 'FP32' as const, shape: [2, 2], data: new Float32Array([0.25, 0.75, 1, 0]) },
    { name: 'label', datatype: 'INT64' as const, shape: [2], data: new BigInt64Array([1n, 2n ** 60n]) },
  ];

  function split(body: Uint8Array, headerLength: number) {
    return { header: JSON.parse(new TextDecoder().decode(body.subarray(0, headerLength))) as unknown, binary: body.subarray(headerLength) };
  }

  it('writes the JSON header with binary_data_size for each binary output, then their bytes in header order', () => {
    const { body, headerLength } = buildBinaryInferenceResponse({ modelName: 'bc', modelVersion: '2', id: 'r-1', outputs }, 'all');
    const { header, binary } = split(body, headerLength);
    expect(header).toEqual({
      model_name: 'bc',
      model_version: '2',
      id: 'r-1',
      outputs: [
        { name: 'probabilities', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } },
        { name: 'label', shape: [2], datatype: 'INT64', parameters: { binary_data_size: 16 } },
      ],
    });
    const view = new DataView(binary.buffer, binary.byteOffset, binary.byteLength);
    expect([0, 4, 8, 12].map((at) => view.getFloat32(at, true))).toEqual([0.25, 0.75, 1, 0]);
    expect([view.getBigInt64(16, true), view.getBigInt64(24, true)]).toEqual([1n, 2n ** 60n]);
  });

  it('keeps outputs not asked for as binary in the header as JSON data', () => {
    const { body, headerLength } = buildBinaryInferenceResponse({ modelName: 'bc', outputs }, ['label']);
    const { header, binary } = split(body, headerLength);
    expect(header).toEqual({
      model_name: 'bc',
      outputs: [
        { name: 'probabilities', shape: [2, 2], datatype: 'FP32', data: [0.25, 0.75, 1, 0] },
        { name: 'label', shape: [2], datatype: 'INT64', parameters: { binary_data_size: 16 } },
      ],
    });
    expect(binary.byteLength).toBe(16);
  });

  it('throws when an output disagrees with its own shape, which is a backend bug', () => {
    expect(() => buildBinaryInferenceResponse({ modelName: 'bc', outputs: [{ name: 'p', datatype: 'FP32', shape: [3], data: new Float32Array(2) }] }, 'all')).toThrow(/2 elements but shape \[3\]/);
  });
});

describe('serverMetadataResponse', () => {
  it('names the server, its version and the extensions it implements', () => {
    expect(serverMetadataResponse('0.1.0')).toEqual({ name: 'windsock', version: '0.1.0', extensions: ['binary_tensor_data'] });
  });
});

describe('modelMetadataResponse', () => {
  it('describes the model with its served versions and signature', () => {
    expect(modelMetadataResponse('breast-cancer', ['2', '3'], signature)).toEqual({
      name: 'breast-cancer',
      versions: ['2', '3'],
      platform: 'onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    });
  });

  it('returns copies, so editing the response cannot alter the cached signature', () => {
    const body = modelMetadataResponse('m', ['1'], signature);
    body.inputs[0]!.shape[0] = 99;
    expect(signature.inputs[0]!.shape).toEqual([-1, 3]);
  });
});
