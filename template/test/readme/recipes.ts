import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One recipe step of README.md: a ```ts block whose first line names the file and what to do. */
export interface RecipeStep {
  file: string;
  instruction: string;
  lines: string[];
}

/** The steps of README.md, in order: every ```ts block that starts with `// src/…`. */
export function recipeSteps(readme: string): RecipeStep[] {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) => {
    const [first = '', ...lines] = block.replace(/\n$/, '').split('\n');
    const target = /^\/\/ (src\/\S+?)(?::\s*(.*))?$/.exec(first);
    return target ? [{ file: target[1] as string, instruction: target[2] ?? '', lines }] : [];
  });
}

/**
 * Applies a step as a reader would: no instruction means a new file; "add this above `X`" inserts
 * the block before the line starting with X; otherwise each import line is added after the
 * imports and each other line replaces the line that starts the same way (up to `:`, `=` or `(`).
 */
export function applyStep(root: string, step: RecipeStep) {
  const path = join(root, step.file);
  if (!step.instruction) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${step.lines.join('\n')}\n`);
    return;
  }
  const file = readFileSync(path, 'utf8').split('\n');
  const above = /add this above `([^`]+)`/.exec(step.instruction)?.[1];
  if (above) {
    const at = file.findIndex((line) => line.startsWith(above));
    if (at < 0) throw new Error(`${step.file} has no line starting with ${above}`);
    file.splice(at, 0, ...step.lines, '');
  } else {
    for (const line of step.lines) replaceOrImport(file, line, step.file);
  }
  writeFileSync(path, file.join('\n'));
}

function replaceOrImport(file: string[], line: string, name: string) {
  if (line.startsWith('import ')) {
    const lastImport = file.findLastIndex((existing) => existing.startsWith('import '));
    file.splice(lastImport + 1, 0, line);
    return;
  }
  const key = (text: string) => text.trim().split(/[:=(]/)[0]?.trim();
  const at = file.findIndex((existing) => key(existing) === key(line) && existing.trim() !== '');
  if (at < 0) throw new Error(`${name} has no line like: ${line}`);
  file[at] = line;
}
