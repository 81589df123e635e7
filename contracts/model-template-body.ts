// A model's template as people write it (POST /v1/models, PUT /v1/models/:name, the examples'
// pipeline.json): durations as "7d" or seconds, the job optional (the built-in trainer), a description.
// It becomes the stored PipelineTemplate, every default filled in, so that a revision records exactly
// what its pipelines run.
import { z } from 'zod';
import { datasetSpecSchema, type DatasetSpec } from '../core/data/dataset-spec';
import { modelName } from './shared-params';
import { boundedDuration, parseDurationSeconds } from '../core/pipeline/duration';
import { MAX_APPROVAL_TIMEOUT_SECONDS, pipelineTemplateSchema, type PipelineTemplate } from '../core/pipeline/pipeline-template';
import { tuningJobProblems } from '../core/tuning/job-metrics';

const { approvalTimeoutSeconds, ...templateFields } = pipelineTemplateSchema.shape;

const templateBodyFields = z.strictObject({
  ...templateFields,
  datasetSpec: datasetSpecSchema.superRefine(addSpecProblems),
  description: z.string().max(2000).optional(),
  /** How long a version waits for its approval: seconds or a duration like "7d". */
  approvalTimeout: boundedDuration(MAX_APPROVAL_TIMEOUT_SECONDS).optional(),
  /** The stored template's own name for it, so that a template read back with GET can be sent again. */
  approvalTimeoutSeconds: approvalTimeoutSeconds.unwrap().optional(),
});

function oneTimeout(body: { approvalTimeout?: unknown; approvalTimeoutSeconds?: unknown }, ctx: z.RefinementCtx): void {
  if (body.approvalTimeout !== undefined && body.approvalTimeoutSeconds !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['approvalTimeout'], message: 'send approvalTimeout or approvalTimeoutSeconds, not both' });
  }
}

/** A tuning's objective must be a metric its job reports, and its space the job's params (built-in trainers). */
function tuningFitsJob(body: z.infer<typeof templateBodyFields>, ctx: z.RefinementCtx): void {
  if (!body.tuning) return;
  for (const problem of tuningJobProblems(body.tuning, body.job?.command, body.params ?? {})) {
    ctx.addIssue({ code: 'custom', path: ['tuning', ...problem.path], message: problem.message });
  }
}

/** PUT /v1/models/:name, and the examples' pipeline.json with their dataset-spec.json. */
export const modelTemplateBody = templateBodyFields.superRefine(oneTimeout).superRefine(tuningFitsJob);
/** POST /v1/models: the template and the model's name. */
export const registerModelBody = templateBodyFields.extend({ name: modelName }).superRefine(oneTimeout).superRefine(tuningFitsJob);
export type ModelTemplateBody = z.input<typeof modelTemplateBody>;

/** The stored template and description a body describes. */
export function templateFromBody(body: z.infer<typeof modelTemplateBody>): { template: PipelineTemplate; description: string } {
  const { description = '', approvalTimeout, approvalTimeoutSeconds: seconds, ...fields } = body;
  const timeout = approvalTimeout !== undefined ? parseDurationSeconds(approvalTimeout) : seconds;
  return { template: pipelineTemplateSchema.parse({ ...fields, ...(timeout !== undefined ? { approvalTimeoutSeconds: Math.round(timeout) } : {}) }), description };
}

/** What makes a dataset spec unusable though each field is well-formed: a feature or category twice, a target among the features. */
function addSpecProblems(spec: DatasetSpec, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  spec.features.forEach((feature, i) => {
    if (seen.has(feature.name)) ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `feature '${feature.name}' is named twice` });
    seen.add(feature.name);
    if (feature.type === 'categorical' && new Set(feature.categories).size !== feature.categories.length) {
      ctx.addIssue({ code: 'custom', path: ['features', i, 'categories'], message: `feature '${feature.name}' lists a category twice` });
    }
  });
  if (seen.has(spec.target.name)) ctx.addIssue({ code: 'custom', path: ['target', 'name'], message: `the target '${spec.target.name}' is also a feature` });
}
