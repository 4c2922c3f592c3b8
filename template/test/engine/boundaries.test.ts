import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layout's promises about who may import what (README.md's map, docs/architecture.md).
const src = fileURLToPath(new URL('../../src', import.meta.url));

/** Every module a file under `folder` imports: [file, specifier]. */
function importsUnder(folder: string): [string, string][] {
  return readdirSync(join(src, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file))
    .flatMap((file) => {
      const text = readFileSync(join(src, folder, file), 'utf8');
      return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
        (match): [string, string] => [`${folder}/${file}`, match[1] ?? ''],
      );
    });
}

describe('the layout', () => {
  it('keeps the engine to itself: nothing from the rest of src/, nothing HTTP, no database', () => {
    const outside = importsUnder('engine').filter(
      ([, from]) => from.startsWith('..') || /^(hono|@hono\/|drizzle-orm|better-sqlite3|pg)(\/|$)/.test(from),
    );
    expect(outside).toEqual([]);
  });

  it('keeps background runs free of HTTP', () => {
    const http = importsUnder('runs').filter(([, from]) => /^(hono|@hono\/)|\/api\//.test(from));
    expect(http).toEqual([]);
  });
});
