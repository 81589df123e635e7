// onnxruntime-web inside workerd gives the same probabilities as onnxruntime-node (the runtime
// the control plane evaluates with) for a real trained model loaded from R2.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createSession, ort } from '../../api/edge/onnx-runtime-web';
import reference from '../fixtures/breast-cancer-mlp.reference.json';

const modelKey = 'models/breast-cancer/1/model.onnx';

async function seedModel(): Promise<void> {
  await env.MODELS.put(modelKey, env.FIXTURE_BREAST_CANCER_MLP);
}

function expectCloseToReference(actual: ArrayLike<number>): void {
  expect(actual).toHaveLength(reference.output.data.length);
  reference.output.data.forEach((expected, i) => {
    expect(Math.abs(actual[i]! - expected), `output ${i}`).toBeLessThanOrEqual(1e-5);
  });
}

describe('onnxruntime-web in workerd', () => {
  it('loads a model from R2 and predicts what onnxruntime-node predicts', async () => {
    await seedModel();
    const object = await env.MODELS.get(modelKey);
    expect(object).not.toBeNull();
    const session = await createSession(new Uint8Array(await object!.arrayBuffer()));

    expect(session.inputNames).toEqual([reference.input.name]);
    expect(session.outputNames).toEqual([reference.output.name]);
    const input = new ort.Tensor('float32', Float32Array.from(reference.input.data), reference.input.dims);
    const output = (await session.run({ [reference.input.name]: input }))[reference.output.name]!;

    expect(output.dims).toEqual(reference.output.dims);
    expectCloseToReference(output.data as Float32Array);
  });
});
