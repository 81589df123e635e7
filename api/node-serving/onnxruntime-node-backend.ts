// The inference backend on Node: native onnxruntime (onnxruntime-node), one session per version, on
// the execution providers asked for (CPU by default; CUDA or TensorRT where the host and the
// onnxruntime-node install have them), each falling back to the next.
import * as ort from 'onnxruntime-node';
import type { InferenceInput, InferenceOutput } from '../../core/serving/inference-protocol';
import { protocolDatatype, type ModelSignature } from '../../core/serving/model-signature';
import { ortTensorType } from '../serving/ort-tensor-types';
import type { InferenceBackend, LoadedSession } from '../serving/serving-ports';

export function toOrtTensor(input: InferenceInput): ort.Tensor {
  return new ort.Tensor(ortTensorType[input.datatype], input.data, input.shape);
}

export function fromOrtTensor(name: string, tensor: ort.Tensor): InferenceOutput {
  return { name, datatype: protocolDatatype(tensor.type), shape: tensor.dims, data: tensor.data as InferenceOutput['data'] };
}

/** The execution providers this onnxruntime-node build can use (`cpu`, `webgpu`, and `cuda`/`tensorrt` when installed with them). */
export function availableExecutionProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

export function createOnnxruntimeNodeBackend(executionProviders: readonly string[] = ['cpu']): InferenceBackend {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: [...executionProviders] };
  return {
    name: `onnxruntime-node (${executionProviders.join(', ')})`,
    async load(bytes: Uint8Array, _signature: ModelSignature): Promise<LoadedSession> {
      const session = await ort.InferenceSession.create(bytes, options);
      return {
        async run(inputs, outputNames) {
          const feeds: Record<string, ort.Tensor> = {};
          for (const input of inputs) feeds[input.name] = toOrtTensor(input);
          const result = await session.run(feeds, outputNames as string[]);
          const outputs: InferenceOutput[] = new Array(outputNames.length);
          for (let i = 0; i < outputNames.length; i++) outputs[i] = fromOrtTensor(outputNames[i]!, result[outputNames[i]!]!);
          return outputs;
        },
        release: () => session.release(),
      };
    },
  };
}

export const onnxruntimeNodeBackend: InferenceBackend = createOnnxruntimeNodeBackend();
