// Random search: every parameter drawn independently from its space. The baseline, and the
// start-up phase of the model-based sampler.
import type { Random } from '../statistics/seeded-random';
import { sampleParam, type SearchSpace, type TrialParams } from './search-space';

export function sampleRandom(space: SearchSpace, random: Random): TrialParams {
  const params: TrialParams = {};
  // Sorted names: the draws do not depend on the order a template happened to list them in.
  for (const name of Object.keys(space).sort()) params[name] = sampleParam(space[name]!, random);
  return params;
}
