import { z } from 'zod';

// A zod object drops keys its shape does not name, at every depth; `.strict()` refuses them only at
// the level it is called on. A state is checked against the graph's schema made strict at the top,
// then this compares what went in with what zod gave back: a key that zod dropped anywhere below is
// an unknown key, refused like one at the top, so nothing is stored that the schema does not name.

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys of `input` (at any depth) that zod's `output` for it no longer holds, as zod issues. */
export function droppedKeys(input: unknown, output: unknown): z.core.$ZodIssue[] {
  const issues: z.core.$ZodIssue[] = [];
  const pending: { input: unknown; output: unknown; path: PropertyKey[] }[] = [{ input, output, path: [] }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (Array.isArray(item.input) && Array.isArray(item.output)) {
      const { output: outputs, path } = item;
      for (const [index, child] of item.input.entries()) {
        pending.push({ input: child, output: outputs[index], path: [...path, index] });
      }
      continue;
    }
    if (!isPlainObject(item.input) || !isPlainObject(item.output)) continue;
    const { output: outputs, path } = item;
    const dropped = Object.keys(item.input).filter((key) => !(key in outputs));
    if (dropped.length > 0) {
      issues.push({
        code: 'unrecognized_keys',
        keys: dropped,
        path,
        message: `Unrecognized key(s): ${dropped.join(', ')}`,
        input: item.input,
      });
    }
    for (const [key, child] of Object.entries(item.input)) {
      if (key in outputs) pending.push({ input: child, output: outputs[key], path: [...path, key] });
    }
  }
  return issues;
}

/** A ZodError for the dropped keys, or null when there are none. */
export function droppedKeysError(input: unknown, output: unknown): z.ZodError | null {
  const issues = droppedKeys(input, output);
  return issues.length > 0 ? new z.ZodError(issues) : null;
}
