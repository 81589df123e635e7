// GET /openapi.json and GET /docs from the Workers entry, inside workerd: the generated document and the
// page work on the edge runtime too (no Node API in either), and the page loads nothing from elsewhere.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../api/edge/worker';

async function get(path: string): Promise<Response> {
  const ctx = createExecutionContext();
  // The worker is typed for incoming requests (with Cloudflare's cf properties); a test request has none.
  const request = new Request(`https://edge.test${path}`) as unknown as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(request, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('the edge API reference', () => {
  it('serves OpenAPI 3.1 for the protocol, admin, ground-truth and pipeline routes, without a token', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { 'x-windsock-roles'?: string[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v2/models/{name}/infer']?.post).toBeDefined();
    expect(doc.paths['/admin/models/{name}/traffic']?.put?.['x-windsock-roles']).toEqual(['admin']);
    expect(doc.paths['/v1/pipelines']?.post?.['x-windsock-roles']).toEqual(['submitter']);
    // The ground-truth routes: labels with a feedback or admin token, live accuracy with admin.
    expect(doc.paths['/v2/models/{name}/feedback']?.post?.['x-windsock-roles']).toEqual(['feedback', 'admin']);
    expect(doc.paths['/admin/models/{name}/accuracy']?.get?.['x-windsock-roles']).toEqual(['admin']);
  });

  it('renders /docs under a policy that forbids every outside source', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await res.text();
    expect(html).toContain('<code>/v2/models/{name}/infer</code>');
    expect(html).not.toMatch(/<script|<link|https?:\/\//i);
  });
});
