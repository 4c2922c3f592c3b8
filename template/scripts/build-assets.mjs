// Bundles the pages' browser scripts (src/ui/browser/*.ts, with the typed client they import) into
// public/assets/, once, before the server starts: `npm run dev`, `npm start` and `npm test` run it
// first, so no request ever waits for a bundler. Plain JavaScript, so it runs before anything is built.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const browser = join(root, 'src/ui/browser');

/**
 * The API reference's browser bundle, from the installed @scalar/api-reference (a dev dependency:
 * only this one file ships), so /docs needs no CDN.
 */
function copyScalarBundle() {
  const dist = dirname(fileURLToPath(import.meta.resolve('@scalar/api-reference')));
  mkdirSync(join(root, 'public/assets'), { recursive: true });
  copyFileSync(join(dist, 'browser/standalone.js'), join(root, 'public/assets/scalar.js'));
}

/** Writes public/assets/<name>.js for every src/ui/browser/<name>.ts, and the reference's bundle. */
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
  copyScalarBundle();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAssets();
