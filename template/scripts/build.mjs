// `npm run build`: the production build. The server (src/index.ts and what it imports) becomes one
// ES module, dist/index.js, and the pages' browser scripts go to public/assets/ (build-assets.mjs).
// esbuild, not tsc: the sources import without file extensions (moduleResolution "Bundler"), which
// tsc would emit as is and Node's ESM loader would refuse; esbuild resolves them in well under a
// second. Type checking stays with `npm run typecheck` (tsc --noEmit). Dependencies stay external:
// they are installed in node_modules (npm ci --omit=dev) and loaded from there.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Writes dist/index.js (the server), dist/migrate.js (`node dist/migrate.js` applies the migrations)
 * and dist/prune.js (`node dist/prune.js` removes old apps): a production install has no tsx, so the
 * image runs the built commands, not `npm run db:*`.
 */
export async function buildServer() {
  const { build } = await import('esbuild');
  await build({
    entryPoints: {
      index: join(root, 'src/index.ts'),
      migrate: join(root, 'src/db/migrate-cli.ts'),
      prune: join(root, 'src/db/prune-cli.ts'),
    },
    outdir: join(root, 'dist'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'warning',
  });
}

/** esbuild is a dev dependency: an install without it (npm ci --omit=dev) runs what was built. */
async function hasEsbuild() {
  return import('esbuild').then(
    () => true,
    () => false,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!(await hasEsbuild())) {
    if (!existsSync(join(root, 'dist/index.js'))) {
      console.error(
        'dist/index.js is missing and esbuild is not installed: run `npm install && npm run build`.',
      );
      process.exit(1);
    }
    console.log('esbuild is not installed (production install): starting the existing build in dist/.');
  } else {
    const { buildAssets } = await import('./build-assets.mjs');
    await Promise.all([buildServer(), buildAssets()]);
  }
}
