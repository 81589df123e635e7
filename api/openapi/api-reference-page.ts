// The API reference page (GET /docs), rendered here from the generated OpenAPI document: operations
// grouped by tag with their roles, parameters, bodies and answers, and the component schemas. The page
// loads nothing from anywhere (one inline stylesheet, allowed by its hash), so it works offline and
// under a CSP that forbids every other source.

/** The parts of an OpenAPI 3.1 document the page reads. */
interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation | undefined> | undefined>;
  components?: { schemas?: Record<string, unknown> };
}

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  'x-windsock-roles'?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: unknown }>;
  requestBody?: { description?: string; required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

const METHODS = ['get', 'head', 'put', 'post', 'patch', 'delete'] as const;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1d2330}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ccd;padding-bottom:.2rem;margin-top:2.5rem}
section.op{border:1px solid #dde;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
h3{font-size:1rem;margin:.2rem 0}code,pre{font:13px/1.4 ui-monospace,monospace}
pre{background:#f5f6fa;padding:.5rem;overflow:auto;max-height:24rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#1a7f37}.post{color:#0b5cad}.put{color:#8250df}.delete{color:#c11}.head,.patch{color:#666}
table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}
.roles{color:#555}nav a{margin-right:.8rem}`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const anchor = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '-');

/** A schema as JSON (pretty, or on one line for a parameter), its references to components turned into links to them. */
function schemaHtml(schema: unknown, oneLine = false): string {
  if (schema === undefined) return '';
  const ref = (schema as { $ref?: string }).$ref;
  if (typeof ref === 'string' && Object.keys(schema as object).length === 1) return componentLink(ref);
  const json = escapeHtml(JSON.stringify(schema, null, oneLine ? undefined : 2)).replace(/&#34;#\/components\/schemas\/([^&]+)&#34;/g, (_, name: string) => `&#34;${componentLink(`#/components/schemas/${name}`)}&#34;`);
  return oneLine ? `<code>${json}</code>` : `<pre>${json}</pre>`;
}

function componentLink(ref: string): string {
  const name = ref.replace('#/components/schemas/', '');
  return `<a href="#schema-${anchor(name)}">${escapeHtml(name)}</a>`;
}

function contentHtml(content: Record<string, { schema?: unknown }> | undefined): string {
  return Object.entries(content ?? {})
    .map(([type, media]) => `<div><code>${escapeHtml(type)}</code> ${schemaHtml(media.schema)}</div>`)
    .join('');
}

function operationHtml(method: string, path: string, op: Operation): string {
  const roles = op['x-windsock-roles'];
  const params = op.parameters ?? [];
  const parts = [
    `<section class="op" id="${anchor(`${method}-${path}`)}">`,
    `<h3><span class="m ${method}">${method}</span> <code>${escapeHtml(path)}</code></h3>`,
    op.summary ? `<p>${escapeHtml(op.summary)}</p>` : '',
    `<p class="roles">Roles: ${roles === undefined ? 'not stated' : roles.length === 0 ? 'none (no token needed)' : roles.map(escapeHtml).join(' or ')}</p>`,
    op.description ? `<p>${escapeHtml(op.description).replace(/\n\n/g, '</p><p>')}</p>` : '',
  ];
  if (params.length > 0) {
    parts.push('<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>');
    for (const p of params) {
      parts.push(`<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${schemaHtml(p.schema, true)}${p.description ? ` ${escapeHtml(p.description)}` : ''}</td></tr>`);
    }
    parts.push('</table>');
  }
  if (op.requestBody) {
    parts.push(`<h4>Request body${op.requestBody.required ? '' : ' (optional)'}</h4>`, op.requestBody.description ? `<p>${escapeHtml(op.requestBody.description)}</p>` : '', contentHtml(op.requestBody.content));
  }
  parts.push('<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th></tr>');
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    parts.push(`<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(response.description ?? '')}</td><td>${contentHtml(response.content)}</td></tr>`);
  }
  parts.push('</table></section>');
  return parts.join('');
}

/** The page's HTML (its one stylesheet is allowed by apiReferencePolicy's hash). */
export function renderApiReference(doc: OpenApiDocument, documentPath: string): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const tags = [...byTag.keys()].sort();
  const schemas = Object.entries(doc.components?.schemas ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(doc.info.title)} API reference</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(doc.info.title)}</h1><p>Version ${escapeHtml(doc.info.version)}. The OpenAPI 3.1 document: <a href="${escapeHtml(documentPath)}">${escapeHtml(documentPath)}</a>.</p>`,
    doc.info.description ? `<p>${escapeHtml(doc.info.description)}</p>` : '',
    `<nav>${tags.map((t) => `<a href="#tag-${anchor(t)}">${escapeHtml(t)}</a>`).join('')}<a href="#schemas">schemas</a></nav>`,
    ...tags.map((t) => `<h2 id="tag-${anchor(t)}">${escapeHtml(t)}</h2>${byTag.get(t)!.join('')}`),
    '<h2 id="schemas">Schemas</h2>',
    ...schemas.map(([name, schema]) => `<section class="op" id="schema-${anchor(name)}"><h3>${escapeHtml(name)}</h3>${schemaHtml(schema)}</section>`),
    '</body></html>',
  ].join('\n');
}

let styleHash: Promise<string> | undefined;

/** The Content-Security-Policy of the page: nothing from anywhere, but its own inline stylesheet. */
export function apiReferencePolicy(): Promise<string> {
  styleHash ??= crypto.subtle.digest('SHA-256', new TextEncoder().encode(STYLE)).then((digest) => btoa(String.fromCharCode(...new Uint8Array(digest))));
  return styleHash.then((hash) => `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
}
