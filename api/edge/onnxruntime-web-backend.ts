// The inference backend in workerd: onnxruntime-web's wasm build (started by onnx-runtime-web.ts).
import type { InferenceInput, InferenceOutput } from '../../core/serving/inference-protocol';
import { protocolDatatype, type ModelSignature } from '../../core/serving/model-signature';
import { ortTensorType } from '../serving/ort-tensor-types';
import type { InferenceBackend, LoadedSession } from '../serving/serving-ports';
import { createSession, ort } from './onnx-runtime-web';


function toTensor(input: InferenceInput): ort.Tensor {
  return new ort.Tensor(ortTensorType[input.datatype], input.data, input.shape);
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
