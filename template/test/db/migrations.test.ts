import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const projectDir = fileURLToPath(new URL('../..', import.meta.url));

// A schema change without `npm run db:generate` would ship tables the migrations do not create.
// drizzle-kit, run on a copy of the committed migrations, must find nothing left to generate.
describe('the committed migrations', () => {
  // drizzle-kit wants an output path relative to the project.
  const scratch = mkdtempSync(join(projectDir, 'node_modules', '.drizzle-check-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  for (const [dialect, folder] of [
    ['sqlite', 'sqlite'],
    ['postgresql', 'pg'],
  ] as const) {
    it(`match schema.${folder === 'pg' ? 'pg' : 'sqlite'}.ts`, { timeout: 60_000 }, async () => {
      const out = join(scratch, folder);
      cpSync(join(projectDir, 'drizzle', folder), out, { recursive: true });
      const { stdout } = await run(
        'npx',
        [
          'drizzle-kit',
          'generate',
          '--dialect',
          dialect,
          '--schema',
          `./src/db/schema.${folder === 'pg' ? 'pg' : 'sqlite'}.ts`,
          '--out',
          `./${relative(projectDir, out)}`,
        ],
        { cwd: projectDir },
      );
      expect(stdout).toContain('No schema changes');
      expect(readdirSync(out).filter((name) => name.endsWith('.sql'))).toEqual(
        readdirSync(join(projectDir, 'drizzle', folder)).filter((name) => name.endsWith('.sql')),
      );
    });
  }
});
