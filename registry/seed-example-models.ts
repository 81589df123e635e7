// Registers the example models under examples/<name>/ (pipeline.json + dataset-spec.json) so that a
// fresh stack has something to train: the same template body and the same save as POST /v1/models,
// so an edited example becomes the model's next revision and an unchanged one changes nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelTemplateBody, templateFromBody } from '../contracts/model-template-body';
import type { RegistryStore } from './registry-store';

export const examplesDir = fileURLToPath(new URL('../examples', import.meta.url));

export function readExampleTemplate(name: string) {
  const dir = path.join(examplesDir, name);
  const pipeline = JSON.parse(readFileSync(path.join(dir, 'pipeline.json'), 'utf8')) as Record<string, unknown>;
  const datasetSpec = JSON.parse(readFileSync(path.join(dir, 'dataset-spec.json'), 'utf8')) as unknown;
  const body = modelTemplateBody.safeParse({ ...pipeline, datasetSpec });
  if (!body.success) throw new Error(`examples/${name}/pipeline.json or dataset-spec.json is not a valid model template: ${body.error.message}`);
  return templateFromBody(body.data);
}

/** Registers every example; their names. */
export async function seedExampleModels(registry: RegistryStore): Promise<string[]> {
  const names = readdirSync(examplesDir).filter((n) => existsSync(path.join(examplesDir, n, 'pipeline.json')));
  for (const name of names) {
    const { description, template } = readExampleTemplate(name);
    await registry.saveTemplate(name, template, description, 'windsock');
  }
  return names;
}
