// Bundles the pages' browser scripts (src/ui/browser/*.ts, with the typed client they import) into
// public/assets/, once, before the server starts: `npm run dev`, `npm start` and `npm test` run it
// first, so no request ever waits for a bundler. Plain JavaScript, so it runs before anything is built.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const browser = join(root, 'src/ui/browser');

/** Writes public/assets/<name>.js for every src/ui/browser/<name>.ts. */
export async function buildAssets() {
  const entryPoints = readdirSync(browser)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(browser, file));
  await build({
    entryPoints,
    outdir: join(root, 'public/assets'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAssets();
