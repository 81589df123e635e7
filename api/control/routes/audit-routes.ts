// /v1/audit: the registry's hash-chained audit log, paged newest first, and a check of the whole chain.
import { z } from 'zod';
import { modelName } from '../../../contracts/shared-params';
import type { RegistryStore } from '../../../registry/registry-store';
import type { AuditVerification } from '../../../registry/audit-chain-writer';
import { apiRoute, jsonAnswer, openApiRoutes, typedObject } from '../../http/openapi-routes';

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

export const auditQuery = z
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

type AuditPage = Awaited<ReturnType<RegistryStore['listAuditPage']>>;

const auditPageSchema = z
  .object({
    events: z.array(typedObject<AuditPage['events'][number]>('AuditEvent', 'One event of the hash-chained log: who did what to which model, version or pipeline, and when.', { id: { type: 'integer' }, actor: { type: 'string' }, event: { type: 'string' } })),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as cursor for the next (older) page; null on the last.' }),
  })
  .openapi('AuditPage');

export const listAuditRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/',
    tags: ['audit'],
    summary: 'A page of the audit log, newest first, filtered by model, actor, event and time',
    request: { query: auditQuery },
    responses: { 200: jsonAnswer(auditPageSchema, 'the page') },
  },
);

const verifyAuditRoute = apiRoute(
  { roles: ['admin'] },
  {
    method: 'get',
    path: '/verify',
    tags: ['audit'],
    summary: 'Checks the whole hash chain of the audit log',
    responses: { 200: jsonAnswer(typedObject<AuditVerification>('AuditVerification', 'ok, the events checked, and the first bad event or the head of the chain.', { ok: { type: 'boolean' }, events: { type: 'integer' } }), 'the verification') },
  },
);

export function auditRoutes({ registry }: { registry: RegistryStore }) {
  return openApiRoutes()
    .openapi(listAuditRoute, async (c) => {
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
      return c.json({ events, nextCursor: nextBeforeId === null ? null : encodeCursor(nextBeforeId) }, 200);
    })
    .openapi(verifyAuditRoute, async (c) => c.json(await registry.verifyAudit(), 200));
}
