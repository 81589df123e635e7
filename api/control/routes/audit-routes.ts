// /v1/audit: the registry's hash-chained audit log, paged newest first, and a check of the whole chain.
import { Hono } from 'hono';
import { z } from 'zod';
import { modelName } from '../../../contracts/shared-params';
import type { RegistryStore } from '../../../registry/registry-store';
import type { ApiEnv } from '../../http/api-env';
import { requireRole } from '../../http/bearer-auth';
import { validate } from '../../http/validate';

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;

// A cursor is the id of the last event of the page before, opaque so that clients do not build
// their own (and so that what it holds can change).
const CURSOR_PREFIX = 'a1.';
const encodeCursor = (beforeId: number) => Buffer.from(`${CURSOR_PREFIX}${beforeId}`, 'utf8').toString('base64url');
const cursor = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const decoded = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url').toString('utf8') : '';
    const match = new RegExp(`^${CURSOR_PREFIX.replace('.', '\\.')}([1-9][0-9]{0,14})$`).exec(decoded);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor from this API: pass the nextCursor of the page before' });
      return z.NEVER;
    }
    return Number(match[1]);
  });

const instant = z.iso.datetime({ offset: true, error: 'an ISO 8601 timestamp with a time zone, e.g. 2026-01-31T12:00:00Z' }).transform((text) => new Date(text));

const auditQuery = z
  .strictObject({
    model: modelName.optional(),
    actor: z.string().min(1).max(128).optional(),
    action: z
      .string()
      .regex(/^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$/, 'an event name (approval.approved), or a prefix of names ending in a dot (rollout.)')
      .max(128)
      .optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
    cursor: cursor.optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { path: ['to'], message: 'must be later than from' });

export function auditRoutes({ registry }: { registry: RegistryStore }) {
  return new Hono<ApiEnv>()
    .get('/', validate('query', auditQuery), async (c) => {
      const q = c.req.valid('query');
      const { events, nextBeforeId } = await registry.listAuditPage({
        modelName: q.model,
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        beforeId: q.cursor,
        limit: q.limit,
      });
      return c.json({ events, nextCursor: nextBeforeId === null ? null : encodeCursor(nextBeforeId) });
    })
    .get('/verify', requireRole('admin'), async (c) => c.json(await registry.verifyAudit()));
}
