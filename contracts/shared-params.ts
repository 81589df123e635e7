// Parameters every side checks the same way: model names and versions, pipeline ids, sha256 digests.
import { z } from 'zod';

export const MODEL_NAME_RULE = 'lowercase letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit';
export const modelNamePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const modelName = z.string().regex(modelNamePattern, MODEL_NAME_RULE);

/** Route params `/:name` and `/:name/versions/:v`. */
export const modelParam = z.object({ name: modelName });
export const modelVersionParam = modelParam.extend({ v: z.coerce.number().int().min(1, 'versions start at 1') });

/** A pipeline id: the model's name and 16 hex digits of the request's digest. */
export const pipelineId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}-[0-9a-f]{16}$/, 'not a pipeline id');

export const sha256Pattern = /^[0-9a-f]{64}$/;
export const sha256Digest = z.string().regex(sha256Pattern, 'a lowercase hex sha256');
