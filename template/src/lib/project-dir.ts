import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's folder: the nearest one above this module with a package.json. Files the app reads
 * at run time (drizzle/ migrations, public/assets/) are found from here, so the same code works as
 * src/lib/project-dir.ts under tsx and bundled into dist/index.js.
 */
function findProjectDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const projectDir = findProjectDir(dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, such as `projectPath('drizzle', 'sqlite')`. */
export const projectPath = (...parts: string[]) => join(projectDir, ...parts);
