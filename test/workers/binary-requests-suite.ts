// The binary tensor data extension and server metadata, run against every runtime (workerd here;
// Node in test/serving/python-clients.test.ts): bodies built by hand as Triton's and KServe's clients
// build them (JSON header, then little-endian tensor bytes), and every way such a body can be wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/breast-cancer-serving.json';
import { version as windsockVersion } from '../../package.json';
import type { ServingTarget } from '../serving/serving-suite';

const MODEL = 'bin';
const rows = fixture.holdoutRows.slice(0, 3);

function fp32Bytes(values: readonly number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return new Uint8Array(view.buffer);
}

/** A binary-data request: the header's JSON, then the tensors; Inference-Header-Content-Length unless overridden. */
function binaryInit(header: unknown, tensors: Uint8Array[], headerLength?: string): RequestInit {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(head.byteLength + tensors.reduce((n, t) => n + t.byteLength, 0));
  body.set(head);
  let at = head.byteLength;
  for (const t of tensors) {
    body.set(t, at);
    at += t.byteLength;
  }
  return {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength ?? String(head.byteLength) },
    body,
  };
}

const featuresHeader = (batch: number, size = batch * 30 * 4, extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'features', shape: [batch, 30], datatype: 'FP32', parameters: { binary_data_size: size } }],
  ...extra,
});

/** Splits a binary response into its JSON header and the bytes after it. */
async function readBinary(res: Response) {
  const length = Number(res.headers.get('inference-header-content-length'));
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))) as Record<string, unknown>, binary: bytes.subarray(length) };
}

export function binaryRequestSuite(runtime: string, makeTarget: () => Promise<ServingTarget>) {
  describe(`binary tensor data on ${runtime}`, () => {
    let t: ServingTarget;
    /** What a JSON request answers for `rows`, as float32 values. */
    let expected: Float32Array;
    const infer = (init: RequestInit) => t.fetch(`/v2/models/${MODEL}/infer`, init);
    const admin = (init: RequestInit): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${t.adminToken}` } });

    beforeAll(async () => {
      t = await makeTarget();
      const upload = await t.fetch(`/admin/models/${MODEL}/versions/1/artifact`, admin({ method: 'PUT', headers: { 'x-windsock-sha256': fixture.sha256 }, body: t.modelBytes }));
      expect(upload.status, await upload.clone().text()).toBe(201);
      const publish = { artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile };
      const published = await t.fetch(`/admin/models/${MODEL}/versions/1`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(publish) }));
      expect(published.status, await published.clone().text()).toBe(201);
      const weights = await t.fetch(`/admin/models/${MODEL}/traffic`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 100 } }) }));
      expect(weights.status).toBe(200);
      const json = await infer({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'features', shape: [rows.length, 30], datatype: 'FP32', data: rows }] }),
      });
      expect(json.status).toBe(200);
      expected = Float32Array.from(((await json.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data);
    });

    it('answers GET /v2 with the server metadata', async () => {
      const res = await t.fetch('/v2');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ name: 'windsock', version: windsockVersion, extensions: ['binary_tensor_data'] });
    });

    it('reads binary inputs and answers in JSON when no binary output is asked for, the id echoed', async () => {
      const res = await infer(binaryInit(featuresHeader(rows.length, undefined, { id: 'bin-1', parameters: { my_custom: 'kept quiet' } }), [fp32Bytes(rows.flat())]));
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { id: string; model_name: string; outputs: Array<{ name: string; shape: number[]; data: number[] }> };
      expect(body).toMatchObject({ id: 'bin-1', model_name: MODEL, model_version: '1' });
      expect(body.outputs[0]).toMatchObject({ name: 'probabilities', shape: [rows.length, 2] });
      expect(Float32Array.from(body.outputs[0]!.data)).toEqual(expected);
    });

    it('answers with binary outputs when binary_data_output is set, with Inference-Header-Content-Length', async () => {
      const res = await infer(binaryInit(featuresHeader(rows.length, undefined, { id: 'bin-2', parameters: { binary_data_output: true } }), [fp32Bytes(rows.flat())]));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('x-windsock-model-version')).toBe('1');
      const { header, binary } = await readBinary(res);
      expect(header).toEqual({
        model_name: MODEL,
        model_version: '1',
        id: 'bin-2',
        outputs: [{ name: 'probabilities', shape: [rows.length, 2], datatype: 'FP32', parameters: { binary_data_size: rows.length * 2 * 4 } }],
      });
      expect(new Float32Array(binary.slice().buffer)).toEqual(expected);
    });

    it('answers a JSON request that asks for an output as binary_data in binary', async () => {
      const res = await infer({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'features', shape: [rows.length, 30], datatype: 'FP32', data: rows }],
          outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
        }),
      });
      expect(res.status).toBe(200);
      const { header, binary } = await readBinary(res);
      expect(header.outputs).toEqual([{ name: 'probabilities', shape: [rows.length, 2], datatype: 'FP32', parameters: { binary_data_size: rows.length * 8 } }]);
      expect(new Float32Array(binary.slice().buffer)).toEqual(expected);
    });

    const oneRow = fp32Bytes(rows[0]!);
    it.each([
      ['a header length past the body', () => binaryInit(featuresHeader(1), [oneRow], '100000'), /Inference-Header-Content-Length 100000 is past the end of the \d+-byte body/],
      ['a negative header length', () => binaryInit(featuresHeader(1), [oneRow], '-5'), /Inference-Header-Content-Length must be a non-negative integer/],
      ['a non-integer header length', () => binaryInit(featuresHeader(1), [oneRow], '12.5'), /Inference-Header-Content-Length must be a non-negative integer/],
      ['a header length that cuts the JSON short', () => binaryInit(featuresHeader(1), [oneRow], '10'), /JSON header \(the first 10 bytes.*not valid JSON/],
      ['a size that disagrees with the shape', () => binaryInit(featuresHeader(1, 116), [oneRow.subarray(0, 116)]), /binary_data_size is 116 bytes, but shape \[1,30\] of FP32 needs 120/],
      ['a size past the end of the body', () => binaryInit(featuresHeader(2), [oneRow]), /run past the end of the body/],
      ['bytes left over after the inputs', () => binaryInit(featuresHeader(1), [oneRow, new Uint8Array(4)]), /124 bytes of binary data after the JSON header, but the inputs' binary_data_size add up to 120/],
      ['a negative size', () => binaryInit(featuresHeader(1, -120), [oneRow]), /binary_data_size must be a non-negative integer number of bytes, got -120/],
      ['a fractional size', () => binaryInit(featuresHeader(1, 119.5), [oneRow]), /binary_data_size must be a non-negative integer number of bytes, got 119.5/],
      ['a non-finite value', () => binaryInit(featuresHeader(1), [fp32Bytes([...rows[0]!.slice(0, 29), Number.NaN])]), /element 29 is not a finite number/],
      ['a wrong datatype', () => binaryInit({ inputs: [{ name: 'features', shape: [1, 30], datatype: 'FP64', parameters: { binary_data_size: 240 } }] }, [new Uint8Array(240)]), /expected datatype FP32, got FP64/],
      ['binary_data_size without Inference-Header-Content-Length', () => ({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(featuresHeader(1)),
      }), /no Inference-Header-Content-Length header/],
      ['the classification extension', () => binaryInit(featuresHeader(1, 120, { outputs: [{ name: 'probabilities', parameters: { classification: 1 } }] }), [oneRow]), /classification extension is not supported/],
    ])('refuses %s with a 400 naming it', async (_name, init, message) => {
      const res = await infer(init());
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    });

    it('refuses a binary body over the body limit with a 413', async () => {
      const batch = 45_000; // 5.4 MB of FP32, past the limits of both runtimes' tests
      const res = await infer(binaryInit(featuresHeader(batch), [new Uint8Array(batch * 120)]));
      expect(res.status).toBe(413);
    });

    it('refuses a batch over the limit before reading the data', async () => {
      const res = await infer(binaryInit(featuresHeader(1025), [new Uint8Array(1025 * 120)]));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/batch of 1025 exceeds the limit of 1024/);
    });
  });
}
