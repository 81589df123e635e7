// An ONNX model's input/output signature in the Open Inference Protocol's vocabulary (datatype names
// such as FP32, shapes with -1 for dynamic axes), shared by the registry, evaluation and the edge.
import { z } from 'zod';

export const tensorDatatypes = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;

export const tensorSpecSchema = z.object({
  name: z.string(),
  datatype: z.enum(tensorDatatypes),
  shape: z.array(z.number().int().min(-1)),
});

export const modelSignatureSchema = z.object({
  inputs: z.array(tensorSpecSchema),
  outputs: z.array(tensorSpecSchema),
});

export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export type ModelSignature = z.infer<typeof modelSignatureSchema>;

const onnxToProtocol: Record<string, TensorSpec['datatype']> = {
  bool: 'BOOL', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64',
  int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64',
  float16: 'FP16', float32: 'FP32', float64: 'FP64', string: 'BYTES',
};

/** Maps ONNX Runtime's tensor type name (`float32`) to the protocol's (`FP32`). */
export function protocolDatatype(onnxType: string): TensorSpec['datatype'] {
  const mapped = onnxToProtocol[onnxType];
  if (!mapped) throw new Error(`unsupported ONNX tensor type ${onnxType}`);
  return mapped;
}

/** Symbolic dimensions (`batch`) become -1, as the protocol writes dynamic axes. */
export function protocolShape(shape: ReadonlyArray<number | string>): number[] {
  return shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
}
