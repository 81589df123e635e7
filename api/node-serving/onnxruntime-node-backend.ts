// The inference backend on Node: native onnxruntime (onnxruntime-node), one session per version.
import * as ort from 'onnxruntime-node';
import type { InferenceInput, InferenceOutput } from '../../core/inference-protocol';
import { protocolDatatype, type ModelSignature } from '../../core/model-signature';
import { ortTensorType } from '../inference/ort-tensor-types';
import type { InferenceBackend, LoadedSession } from '../inference/serving-ports';

export function toOrtTensor(input: InferenceInput): ort.Tensor {
  return new ort.Tensor(ortTensorType[input.datatype], input.data as never, input.shape);
}

export function fromOrtTensor(name: string, tensor: ort.Tensor): InferenceOutput {
  return { name, datatype: protocolDatatype(tensor.type), shape: tensor.dims, data: tensor.data as InferenceOutput['data'] };
}

export const onnxruntimeNodeBackend: InferenceBackend = {
  name: 'onnxruntime-node',
  async load(bytes: Uint8Array, _signature: ModelSignature): Promise<LoadedSession> {
    const session = await ort.InferenceSession.create(bytes);
    return {
      async run(inputs, outputNames) {
        const feeds = Object.fromEntries(inputs.map((input) => [input.name, toOrtTensor(input)]));
        const result = await session.run(feeds, outputNames as string[]);
        return outputNames.map((name) => fromOrtTensor(name, result[name]!));
      },
      release: () => session.release(),
    };
  },
};
