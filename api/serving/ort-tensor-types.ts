// Open Inference Protocol datatypes to ONNX Runtime tensor types, shared by the onnxruntime-web and
// onnxruntime-node backends (both take onnxruntime-common's type names). FP16 arrives as float32.
export const ortTensorType = {
  FP32: 'float32', FP64: 'float64', FP16: 'float32', INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', BOOL: 'bool', BYTES: 'string',
} as const;
