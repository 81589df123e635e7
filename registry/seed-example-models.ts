// Registers the example models under examples/<name>/ (pipeline.json + dataset-spec.json) so that a
// fresh stack has something to train.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipelineTemplateSchema } from '../core/pipeline/pipeline-template';
import type { RegistryStore } from './registry-store';

export const examplesDir = fileURLToPath(new URL('../examples', import.meta.url));

export function readExampleTemplate(name: string) {
  const dir = path.join(examplesDir, name);
  const pipeline = JSON.parse(readFileSync(path.join(dir, 'pipeline.json'), 'utf8')) as { description?: string } & Record<string, unknown>;
  const { description = '', ...rest } = pipeline;
  const datasetSpec = JSON.parse(readFileSync(path.join(dir, 'dataset-spec.json'), 'utf8')) as unknown;
  return { description, template: pipelineTemplateSchema.parse({ ...rest, datasetSpec }) };
}

export async function seedExampleModels(registry: RegistryStore): Promise<string[]> {
  const names = readdirSync(examplesDir).filter((n) => existsSync(path.join(examplesDir, n, 'pipeline.json')));
  for (const name of names) {
    const { description, template } = readExampleTemplate(name);
    await registry.upsertModel(name, template, description, 'windsock');
  }
  return names;
}
