// What every app's GET /openapi.json and GET /docs must hold, checked the same way for each: an
// OpenAPI 3.1 document in substance (each expected route with its method, path parameters, roles and
// answers; every $ref resolving; no documented route the app does not serve) and a reference page
// that loads nothing from elsewhere.
import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import { expect } from 'vitest';
import { requestApp, type RequestableApp } from './app-request';

interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
  'x-windsock-roles'?: string[];
}
type Document = { openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>>; components?: Record<string, Record<string, unknown>> };

/** `GET /v1/models/{name}`: a route as the document names it. */
export type DocumentedRoute = `${'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE'} /${string}`;

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else refsIn(child, found);
    }
  }
  return found;
}

/** The Hono routes an app serves, as `METHOD /path/{param}` (wildcards as the document names them are left to `aliases`). */
function servedRoutes(app: RequestableApp): Set<string> {
  const routes = (app as unknown as { routes: Array<{ method: string; path: string }> }).routes;
  return new Set(routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
}

export async function checkOpenApiDocument(app: RequestableApp, expected: DocumentedRoute[], options: { aliases?: Record<string, string> } = {}): Promise<Document> {
  const res = await requestApp(app, 'GET', '/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body as Document;
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.info.title).toMatch(/Windsock/);

  const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  expect(documented.sort()).toEqual(expect.arrayContaining([...expected].sort()));

  // No phantom: every documented route is one the app serves (a wildcard route by its alias).
  const served = servedRoutes(app);
  for (const route of documented) {
    const [method, path] = route.split(' ') as [string, string];
    const as = options.aliases?.[route] ?? route;
    expect(served.has(as), `${route} is documented but not served`).toBe(true);
    const op = doc.paths[path]![method.toLowerCase()]!;
    // Every path parameter is declared, as a required path parameter.
    for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
      expect(op.parameters?.find((p) => p.name === name && p.in === 'path')?.required, `${route}: path parameter ${name}`).toBe(true);
    }
    const statuses = Object.keys(op.responses ?? {});
    expect(statuses.some((s) => /^2\d\d$/.test(s)), `${route} documents a success`).toBe(true);
    expect(Array.isArray(op['x-windsock-roles']), `${route} names its roles`).toBe(true);
    if (op['x-windsock-roles']!.length > 0) {
      expect(op.security, `${route} names the bearer scheme`).toEqual([{ bearer: [] }]);
      expect(op.responses!['401']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
    }
  }

  // Every reference resolves to a component.
  for (const ref of new Set(refsIn(doc))) {
    const [, , kind, name] = ref.split('/') as [string, string, string, string];
    expect(doc.components?.[kind]?.[name], `${ref} resolves`).toBeDefined();
  }
  expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  return doc;
}

/** GET /docs: the page, every documented route on it, and nothing it would load from elsewhere. */
export async function checkReferencePage(app: RequestableApp, doc: Document): Promise<string> {
  const res = await requestApp(app, 'GET', '/docs');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  const policy = res.headers.get('content-security-policy') ?? '';
  expect(policy).toMatch(/default-src 'none'/);
  expect(policy).not.toMatch(/https?:|\*/);
  const html = res.body as string;
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=/i);
  expect(html).not.toMatch(/https?:\/\//);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) expect(html).toContain(`<span class="m ${method}">${method}</span> <code>${path.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</code>`);
  }
  return html;
}

/** The route declarations the app's document was built from (its OpenAPIHono registry). */
export function registeredRoutes(app: RequestableApp) {
  expect(app).toBeInstanceOf(OpenAPIHono);
  const definitions = (app as OpenAPIHono).openAPIRegistry.definitions;
  return new Map<string, RouteConfig>(definitions.flatMap((d) => (d.type === 'route' ? [[`${d.route.method.toUpperCase()} ${d.route.path}`, d.route] as const] : [])));
}

/** The JSON body schema a route declaration names. */
export function jsonBodySchema(route: RouteConfig | undefined): unknown {
  const media = route?.request?.body?.content['application/json'];
  return media && 'schema' in media ? media.schema : undefined;
}
