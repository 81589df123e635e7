// The Open Inference Protocol's binary tensor data extension (Triton's `binary_tensor_data`): a JSON
// header of `Inference-Header-Content-Length` bytes, then each binary tensor's raw bytes in the
// order the header lists them, little-endian, row-major, no padding. Pure: no I/O, no runtime globals
// beyond TextDecoder/TextEncoder, so the edge and Node serving share it.
import type { TensorSpec } from './model-signature';

type Datatype = TensorSpec['datatype'];

export const INFERENCE_HEADER_LENGTH_HEADER = 'inference-header-content-length';

/** Bytes per element of each fixed-size datatype; BYTES has no fixed size. */
export const datatypeByteSize: Readonly<Record<Exclude<Datatype, 'BYTES'>, number>> = {
  BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8,
};

export type BinaryBodySplit = { ok: true; header: string; binary: Uint8Array } | { ok: false; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Splits a body at the length `Inference-Header-Content-Length` gives: the JSON header as text and the
 * binary section after it. The header value must be a plain decimal integer within the body.
 */
export function splitBinaryBody(body: Uint8Array, headerLength: string): BinaryBodySplit {
  const value = headerLength.trim();
  if (!/^\d{1,15}$/.test(value)) {
    return { ok: false, error: `Inference-Header-Content-Length must be a non-negative integer number of bytes, got '${headerLength.slice(0, 40)}'` };
  }
  const length = Number(value);
  if (length > body.byteLength) {
    return { ok: false, error: `Inference-Header-Content-Length ${length} is past the end of the ${body.byteLength}-byte body` };
  }
  let header: string;
  try {
    header = utf8.decode(body.subarray(0, length));
  } catch {
    return { ok: false, error: `the first ${length} bytes (Inference-Header-Content-Length) are not UTF-8 text` };
  }
  return { ok: true, header, binary: body.subarray(length) };
}

/** A number that can be a binary_data_size: a non-negative safe integer. */
export function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies little-endian wire bytes into an aligned buffer in host order. */
function hostOrderBuffer(bytes: Uint8Array, width: number): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  if (!hostLittleEndian && width > 1) {
    for (let at = 0; at < copy.length; at += width) copy.subarray(at, at + width).reverse();
  }
  return copy.buffer;
}

export type DecodedTensor =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Decodes one input's binary data into the typed array the backend takes (FP16 widened to
 * Float32Array, as the JSON path gives it); returns the reason it cannot otherwise. The caller has
 * checked that `bytes` is `count` elements long. Floats must be finite and BOOL bytes 0 or 1, as in JSON.
 */
export function decodeBinaryTensor(bytes: Uint8Array, datatype: Exclude<Datatype, 'BYTES'>, count: number): DecodedTensor | string {
  const width = datatypeByteSize[datatype];
  const buffer = hostOrderBuffer(bytes, width);
  switch (datatype) {
    case 'FP32':
      return checkFinite(new Float32Array(buffer, 0, count));
    case 'FP64':
      return checkFinite(new Float64Array(buffer, 0, count));
    case 'FP16':
      return halvesToFloats(new Uint16Array(buffer, 0, count));
    case 'BOOL': {
      const out = new Uint8Array(buffer, 0, count);
      for (let i = 0; i < count; i++) if (out[i]! > 1) return `element ${i} is byte ${out[i]}, and BOOL bytes must be 0 or 1`;
      return out;
    }
    case 'INT8':
      return new Int8Array(buffer, 0, count);
    case 'UINT8':
      return new Uint8Array(buffer, 0, count);
    case 'INT16':
      return new Int16Array(buffer, 0, count);
    case 'UINT16':
      return new Uint16Array(buffer, 0, count);
    case 'INT32':
      return new Int32Array(buffer, 0, count);
    case 'UINT32':
      return new Uint32Array(buffer, 0, count);
    case 'INT64':
      return new BigInt64Array(buffer, 0, count);
    case 'UINT64':
      return new BigUint64Array(buffer, 0, count);
  }
}

function checkFinite<T extends Float32Array | Float64Array>(values: T): T | string {
  for (let i = 0; i < values.length; i++) {
    // Subtracting a value from itself gives NaN exactly for NaN and ±Infinity.
    if (values[i]! - values[i]! !== 0) return `element ${i} is not a finite number (${values[i]})`;
  }
  return values;
}

function halvesToFloats(halves: Uint16Array): Float32Array | string {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i]!;
    const exponent = (h >> 10) & 0x1f;
    if (exponent === 0x1f) return `element ${i} is not a finite number (FP16 bits 0x${h.toString(16)})`;
    const mantissa = h & 0x3ff;
    const magnitude = exponent === 0 ? mantissa * 2 ** -24 : (1024 + mantissa) * 2 ** (exponent - 25);
    out[i] = h & 0x8000 ? -magnitude : magnitude;
  }
  return out;
}

/** An output tensor to encode: its data as a backend gives it. */
export interface BinaryOutputTensor {
  datatype: Datatype;
  data: ArrayLike<number | bigint | string | boolean>;
}

const encoder = new TextEncoder();

/**
 * One output's wire bytes. Typed arrays of the datatype's own width are taken as they are (on a
 * little-endian host, without a copy); anything else is converted element by element. FP16 from a
 * Uint16Array is taken as half-precision bits, from numbers it is rounded to half precision. BYTES
 * elements are each a 4-byte little-endian length and the UTF-8 bytes.
 */
export function encodeBinaryTensor(tensor: BinaryOutputTensor): Uint8Array {
  const { datatype, data } = tensor;
  if (datatype === 'BYTES') return encodeBytesTensor(data);
  const width = datatypeByteSize[datatype];
  const view = ArrayBuffer.isView(data) ? (data as unknown as TypedArrayView) : undefined;
  if (view && view.BYTES_PER_ELEMENT === width && sameKind(view, datatype)) return toLittleEndian(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), width);
  const count = data.length;
  const out = allocateFor(datatype, count);
  if (datatype === 'FP16') {
    const halves = out as Uint16Array;
    for (let i = 0; i < count; i++) halves[i] = floatToHalf(Number(data[i]));
  } else if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < count; i++) out[i] = BigInt(data[i] as number | bigint);
  } else {
    const numbers = out as Exclude<typeof out, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < count; i++) {
      const v = data[i]!;
      numbers[i] = typeof v === 'boolean' ? (v ? 1 : 0) : datatype === 'BOOL' ? (Number(v) !== 0 ? 1 : 0) : Number(v);
    }
  }
  return toLittleEndian(new Uint8Array(out.buffer), width);
}

type TypedArrayView = ArrayBufferView & { BYTES_PER_ELEMENT: number };

/** Whether a typed array already holds the datatype's own elements (not merely the same width). */
function sameKind(view: TypedArrayView, datatype: Datatype): boolean {
  switch (datatype) {
    case 'FP32':
      return view instanceof Float32Array;
    case 'FP64':
      return view instanceof Float64Array;
    case 'FP16':
      return view instanceof Uint16Array;
    case 'INT64':
      return view instanceof BigInt64Array;
    case 'UINT64':
      return view instanceof BigUint64Array;
    case 'BOOL':
      return false; // Bytes other than 0 and 1 must still become 1.
    default:
      return !(view instanceof Float32Array || view instanceof Float64Array);
  }
}

function allocateFor(datatype: Exclude<Datatype, 'BYTES'>, count: number) {
  switch (datatype) {
    case 'FP32':
      return new Float32Array(count);
    case 'FP64':
      return new Float64Array(count);
    case 'FP16':
    case 'UINT16':
      return new Uint16Array(count);
    case 'INT8':
      return new Int8Array(count);
    case 'INT16':
      return new Int16Array(count);
    case 'INT32':
      return new Int32Array(count);
    case 'UINT32':
      return new Uint32Array(count);
    case 'INT64':
      return new BigInt64Array(count);
    case 'UINT64':
      return new BigUint64Array(count);
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(count);
  }
}

function toLittleEndian(bytes: Uint8Array, width: number): Uint8Array {
  if (hostLittleEndian || width === 1) return bytes;
  const copy = bytes.slice();
  for (let at = 0; at < copy.length; at += width) copy.subarray(at, at + width).reverse();
  return copy;
}

function encodeBytesTensor(data: ArrayLike<unknown>): Uint8Array {
  const parts: Uint8Array[] = new Array(data.length);
  let size = 0;
  for (let i = 0; i < data.length; i++) {
    parts[i] = encoder.encode(String(data[i]));
    size += 4 + parts[i]!.byteLength;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.byteLength, true);
    out.set(part, at + 4);
    at += 4 + part.byteLength;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, rounding to nearest even; out of range becomes ±Infinity. */
function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa moves into the exponent, up to Infinity: the right result.
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Joins a JSON header and the binary tensors after it; returns the body and the header's byte length. */
export function joinBinaryBody(header: string, tensors: readonly Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const head = encoder.encode(header);
  let size = head.byteLength;
  for (const t of tensors) size += t.byteLength;
  const body = new Uint8Array(size);
  body.set(head, 0);
  let at = head.byteLength;
  for (const t of tensors) {
    body.set(t, at);
    at += t.byteLength;
  }
  return { body, headerLength: head.byteLength };
}
