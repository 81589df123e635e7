import { describe, expect, it } from 'vitest';
import { decodeBinaryTensor, encodeBinaryTensor, joinBinaryBody, splitBinaryBody } from './binary-tensor-data';

const text = (s: string) => new TextEncoder().encode(s);

describe('splitBinaryBody', () => {
  it('splits at Inference-Header-Content-Length into the JSON text and the binary data', () => {
    const { body, headerLength } = joinBinaryBody('{"inputs":[]}', [new Uint8Array([1, 2]), new Uint8Array([3])]);
    expect(headerLength).toBe(13);
    expect(splitBinaryBody(body, String(headerLength))).toEqual({ ok: true, header: '{"inputs":[]}', binary: new Uint8Array([1, 2, 3]) });
    expect(splitBinaryBody(body, String(body.byteLength))).toMatchObject({ ok: true, binary: new Uint8Array(0) });
  });

  it.each([
    ['-1', "Inference-Header-Content-Length must be a non-negative integer number of bytes, got '-1'"],
    ['1.5', "Inference-Header-Content-Length must be a non-negative integer number of bytes, got '1.5'"],
    ['', "Inference-Header-Content-Length must be a non-negative integer number of bytes, got ''"],
    ['12abc', "Inference-Header-Content-Length must be a non-negative integer number of bytes, got '12abc'"],
    ['1e3', "Inference-Header-Content-Length must be a non-negative integer number of bytes, got '1e3'"],
    ['9999999999999999', "Inference-Header-Content-Length must be a non-negative integer number of bytes, got '9999999999999999'"],
    ['14', 'Inference-Header-Content-Length 14 is past the end of the 13-byte body'],
  ])('refuses a header length of %j', (value, error) => {
    expect(splitBinaryBody(text('{"inputs":[]}'), value)).toEqual({ ok: false, error });
  });

  it('refuses a header that is not UTF-8', () => {
    expect(splitBinaryBody(new Uint8Array([0xff, 0xfe, 1]), '2')).toEqual({ ok: false, error: 'the first 2 bytes (Inference-Header-Content-Length) are not UTF-8 text' });
  });
});

describe('encodeBinaryTensor', () => {
  it('takes typed arrays of the datatype as they are, little-endian', () => {
    expect(encodeBinaryTensor({ datatype: 'FP32', data: new Float32Array([1]) })).toEqual(new Uint8Array([0, 0, 0x80, 0x3f]));
    expect(encodeBinaryTensor({ datatype: 'INT32', data: new Int32Array([-2]) })).toEqual(new Uint8Array([0xfe, 0xff, 0xff, 0xff]));
    expect(encodeBinaryTensor({ datatype: 'UINT64', data: new BigUint64Array([2n ** 64n - 1n]) })).toEqual(new Uint8Array(8).fill(0xff));
  });

  it('converts other data element by element: plain numbers, booleans, bigints', () => {
    expect(encodeBinaryTensor({ datatype: 'FP64', data: [0.5] })).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0xe0, 0x3f]));
    expect(encodeBinaryTensor({ datatype: 'BOOL', data: [true, false] })).toEqual(new Uint8Array([1, 0]));
    expect(encodeBinaryTensor({ datatype: 'BOOL', data: new Uint8Array([0, 7]) })).toEqual(new Uint8Array([0, 1]));
    expect(encodeBinaryTensor({ datatype: 'INT64', data: [-1] })).toEqual(new Uint8Array(8).fill(0xff));
    expect(encodeBinaryTensor({ datatype: 'INT16', data: new Float32Array([3]) })).toEqual(new Uint8Array([3, 0]));
  });

  it('writes BYTES elements as a 4-byte length and their UTF-8 bytes', () => {
    expect(encodeBinaryTensor({ datatype: 'BYTES', data: ['hé', ''] })).toEqual(new Uint8Array([3, 0, 0, 0, 0x68, 0xc3, 0xa9, 0, 0, 0, 0]));
  });

  it('rounds float32 values to FP16 bits, and reads them back', () => {
    const values = [0, -0, 1, -2, 65504, 70000, 2 ** -24, 2 ** -26, 0.1, 1 + 2 ** -11, Number.POSITIVE_INFINITY];
    const bytes = encodeBinaryTensor({ datatype: 'FP16', data: values });
    expect([...new Uint16Array(bytes.buffer)]).toEqual([0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x2e66, 0x3c00, 0x7c00]);
    const finite = encodeBinaryTensor({ datatype: 'FP16', data: [0.1, -65504, 2 ** -24, 3.5] });
    expect(decodeBinaryTensor(finite, 'FP16', 4)).toEqual(new Float32Array([0.0999755859375, -65504, 2 ** -24, 3.5]));
    expect(decodeBinaryTensor(bytes, 'FP16', values.length)).toBe('element 5 is not a finite number (FP16 bits 0x7c00)');
  });
});
