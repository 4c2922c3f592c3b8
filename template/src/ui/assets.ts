import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { projectPath } from '../lib/project-dir';

/** Where scripts/build-assets.mjs writes the pages' scripts. */
const ASSETS = projectPath('public', 'assets');

/**
 * GET /assets/{name}.js: a page's script, as scripts/build-assets.mjs bundled it before the server
 * started (npm run dev, start and test do). Read once, then served from memory.
 */
export function assetRoutes() {
  const scripts = new Map<string, Promise<string>>();
  return new Hono().get('/assets/:name{[a-z-]+\\.js}', async (c) => {
    const name = c.req.param('name');
    if (!scripts.has(name)) scripts.set(name, readFile(join(ASSETS, name), 'utf8'));
    const script = await (scripts.get(name) as Promise<string>).catch(() => {
      scripts.delete(name);
      return null;
    });
    if (script === null) return c.notFound();
    return c.body(script, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
    });
  });
}
