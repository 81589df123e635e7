// The inference backend in workerd: onnxruntime-web's wasm build (started by onnx-runtime-web.ts).
import type { InferenceInput, InferenceOutput } from '../../core/inference-protocol';
import { protocolDatatype, type ModelSignature } from '../../core/model-signature';
import type { InferenceBackend, LoadedSession } from '../inference/serving-ports';
import { createSession, ort } from './onnx-runtime-web';

const ortType: Record<string, ort.Tensor.Type> = {
  FP32: 'float32', FP64: 'float64', FP16: 'float32', INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', BOOL: 'bool', BYTES: 'string',
};

function toTensor(input: InferenceInput): ort.Tensor {
  return new ort.Tensor(ortType[input.datatype]!, input.data as never, input.shape);
}

function fromTensor(name: string, tensor: ort.Tensor): InferenceOutput {
  return { name, datatype: protocolDatatype(tensor.type), shape: tensor.dims, data: tensor.data as InferenceOutput['data'] };
}

export const onnxruntimeWebBackend: InferenceBackend = {
  name: 'onnxruntime-web',
  async load(bytes: Uint8Array, _signature: ModelSignature): Promise<LoadedSession> {
    const session = await createSession(bytes);
    return {
      async run(inputs, outputNames) {
        const feeds = Object.fromEntries(inputs.map((input) => [input.name, toTensor(input)]));
        const result = await session.run(feeds, outputNames as string[]);
        return outputNames.map((name) => fromTensor(name, result[name]!));
      },
      release: () => session.release(),
    };
  },
};
