// The dashboard's static assets: uPlot's script and stylesheet straight from its npm package (no
// CDN), and the dashboard's own script and stylesheet. Public, cacheable, and read once at start.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);
const uplotDist = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const own = path.join(path.dirname(new URL(import.meta.url).pathname), 'assets');

const assets: Record<string, { file: string; type: string }> = {
  'uPlot.iife.min.js': { file: path.join(uplotDist, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: path.join(uplotDist, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: path.join(own, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: path.join(own, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  // Linked from every page, so browsers do not ask for /favicon.ico (a 404 and a console error).
  'favicon.svg': { file: path.join(own, 'favicon.svg'), type: 'image/svg+xml' },
};

export function assetRoutes() {
  const loaded = new Map(Object.entries(assets).map(([name, { file, type }]) => [name, { body: readFileSync(file), type }]));
  return new Hono().get('/:name', (c) => {
    const asset = loaded.get(c.req.param('name'));
    if (!asset) return c.text('no such asset', 404);
    return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' });
  });
}
