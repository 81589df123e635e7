// onnxruntime-node access for evaluation: load a model, read its signature, predict class probabilities.
import * as ort from 'onnxruntime-node';
import { protocolDatatype, protocolShape, type ModelSignature } from '../core/serving/model-signature';
import { WindsockError } from '../core/windsock-error';

export interface LoadedModel {
  session: ort.InferenceSession;
  signature: ModelSignature;
}

export async function loadOnnxModel(bytes: Uint8Array): Promise<LoadedModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (err) {
    throw new WindsockError('unprocessable', `the artifact is not a loadable ONNX model: ${(err as Error).message}`);
  }
  const describe = (metas: readonly ort.InferenceSession.ValueMetadata[]) =>
    metas.map((m) => {
      if (!m.isTensor) throw new WindsockError('unprocessable', `ONNX value ${m.name} is not a tensor`);
      return { name: m.name, datatype: protocolDatatype(m.type), shape: protocolShape(m.shape) };
    });
  return { session, signature: { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) } };
}

/**
 * Runs rows of features through a classifier whose first input takes [batch, features] float32 and
 * whose output `probabilities` (else its first output) gives one probability per class.
 */
export async function predictProbabilities(model: LoadedModel, rows: number[][], numClasses: number): Promise<number[][]> {
  const input = model.signature.inputs[0];
  if (!input) throw new WindsockError('unprocessable', 'the model has no inputs');
  const outputName = model.signature.outputs.find((o) => o.name === 'probabilities')?.name ?? model.signature.outputs[0]?.name;
  if (!outputName) throw new WindsockError('unprocessable', 'the model has no outputs');
  const width = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => data.set(row, i * width));
  const result = await model.session.run({ [input.name]: new ort.Tensor('float32', data, [rows.length, width]) }, [outputName]);
  const out = result[outputName]!;
  const values = out.data as Float32Array;
  if (values.length !== rows.length * numClasses) {
    throw new WindsockError('unprocessable', `output ${outputName} has ${values.length} values; expected ${rows.length} x ${numClasses} classes`);
  }
  return rows.map((_, i) => Array.from(values.subarray(i * numClasses, (i + 1) * numClasses)));
}
