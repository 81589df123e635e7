// GET /openapi.json (OpenAPI 3.1, generated from the routes' own createRoute declarations) and GET /docs
// (the reference page rendered from it) for one Windsock app. Both are public: they tell the API's
// shape, which any client holds anyway, and no data; every route they describe still needs its token.
// Plain Hono sub-apps mounted beside the OpenAPI ones serve as before and are simply not in the document.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { apiReferencePolicy, renderApiReference } from './api-reference-page';

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/** The app's OpenAPI 3.1 document, with the bearer scheme its routes name. */
export function openApiDocument<E extends Env>(app: OpenAPIHono<E>, info: ApiInfo) {
  if (!app.openAPIRegistry.definitions.some((d) => d.type === 'component' && d.componentType === 'securitySchemes' && d.name === 'bearer')) {
    app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'A token of WINDSOCK_TOKENS, or an API token issued by POST /v1/tokens; each route names the roles it needs (x-windsock-roles).',
    });
  }
  return app.getOpenAPI31Document({ openapi: '3.1.0', info: { ...info } });
}

/** Adds GET /openapi.json and GET /docs to `app`; the document is built once, at the first request, when every route is mounted. */
export function mountApiReference<E extends Env>(app: OpenAPIHono<E>, info: ApiInfo): void {
  let document: ReturnType<typeof openApiDocument> | undefined;
  let page: string | undefined;
  const built = () => (document ??= openApiDocument(app, info));
  app.get(OPENAPI_PATH, (c) => c.json(built()));
  app.get(DOCS_PATH, async (c) => {
    page ??= renderApiReference(built() as Parameters<typeof renderApiReference>[0], OPENAPI_PATH);
    c.header('content-security-policy', await apiReferencePolicy());
    c.header('x-content-type-options', 'nosniff');
    return c.html(page);
  });
}
