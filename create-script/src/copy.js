// Finding the template, docs and docker folders, and copying them into the new project.
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The folder `name` (template, docs or docker) this CLI copies: the published package carries its own
 * copy beside index.js (made by `npm pack`); a checkout of the repository has it one level up.
 */
export function sourceDir(name) {
  const markers = { template: 'package.json', docker: 'Dockerfile', docs: 'getting-started.md' };
  for (const candidate of [join(packageRoot, name), join(packageRoot, '..', name)]) {
    if (existsSync(join(candidate, markers[name] ?? 'package.json'))) return candidate;
  }
  throw new Error(`cannot find the ${name}/ folder next to create-switchyard (looked in ${packageRoot})`);
}

// Build output, local state and secrets of the template's own development: never copied.
const skippedAtTop = new Set(['node_modules', 'data', 'dist', 'coverage', 'test-results', '.env']);

/** True for paths (relative to the template root) that belong to a copy. */
export function isCopied(relativePath) {
  const parts = relativePath.split(sep);
  if (parts.includes('node_modules')) return false;
  if (skippedAtTop.has(parts[0])) return false;
  // The pages' bundled scripts: built by the project itself before it serves (npm run build:assets).
  if (parts[0] === 'public' && parts[1] === 'assets') return false;
  // .env.local and friends hold secrets too; .env.example is the one to copy.
  if (/^\.env\./.test(parts[0]) && parts[0] !== '.env.example') return false;
  return !parts.some((part) => part === '.DS_Store' || part.endsWith('.log'));
}

/** Copies the files of `from` that belong to a project into `to` (created if missing). */
export function copyProjectFiles(from, to) {
  cpSync(from, to, {
    recursive: true,
    filter: (source) => source === from || isCopied(relative(from, source)),
  });
}

/** True when `dir` is missing or holds nothing (a lone .git folder counts as empty, as in create-vite). */
export function isEmptyDir(dir) {
  if (!existsSync(dir)) return true;
  return readdirSync(dir).every((entry) => entry === '.git');
}

/** npm drops .gitignore from published packages, so the template ships it as _gitignore. */
export function renameGitignore(projectDir) {
  const stored = join(projectDir, '_gitignore');
  if (existsSync(stored)) renameSync(stored, join(projectDir, '.gitignore'));
}

/**
 * The template's Biome config is stored as _biome.json: inside this repository a second biome.json
 * would be a nested root config, which Biome refuses. The new project is its own root.
 */
export function renameBiomeConfig(projectDir) {
  const stored = join(projectDir, '_biome.json');
  if (existsSync(stored)) renameSync(stored, join(projectDir, 'biome.json'));
}

/** Gives the new project its own package name. */
export function setPackageName(projectDir, name) {
  const file = join(projectDir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  pkg.name = name;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
