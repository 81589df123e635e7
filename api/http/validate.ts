// zod validation for route inputs; a failure is a 400 in the Windsock envelope naming each problem.
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { WindsockError } from '../../core/windsock-error';
import { describeZodError } from './error-envelope';

export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw new WindsockError('bad_request', describeZodError(target === 'json' ? 'body' : target, result.error as unknown as z.ZodError));
  });
}
