// `npm pack` and `npm publish` run this: the published package must carry its own template/,
// docker/ and docs/ (a checkout reads ../template, ../docker and ../docs instead). `prepack` copies them in,
// `postpack` removes them so the checkout never runs from a stale copy.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { copyProjectFiles } from '../src/copy.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const folders = ['template', 'docker', 'docs'];

for (const folder of folders)
  rmSync(new URL(`../${folder}`, import.meta.url), { recursive: true, force: true });
if (process.argv[2] !== 'clean') {
  for (const folder of folders) copyProjectFiles(`${packageRoot}../${folder}`, `${packageRoot}${folder}`);
}
