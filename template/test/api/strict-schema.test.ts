// strictAtEveryDepth: unknown keys refused at every depth, with the path of the object that holds
// them, through every kind of schema it rebuilds, and through the ones it leaves as they are.
import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { strictAtEveryDepth } from '../../src/api/strict-schema';

const item = z.object({ name: z.string().describe('The name') });
const schema = z.object({
  list: z.array(item).min(1),
  maybe: item.nullable().optional(),
  fallback: item.default({ name: 'x' }),
  either: z.union([item, z.string()]),
  byKey: z.record(z.string(), item),
  later: z.lazy(() => item),
});
const valid = { list: [{ name: 'a' }], either: 'b', byKey: {}, later: { name: 'c' } };

const pathsRefused = (value: unknown) =>
  strictAtEveryDepth(schema)
    .safeParse(value)
    .error?.issues.map((issue) => `${issue.code} ${issue.path.join('.')}`);

describe('strictAtEveryDepth', () => {
  it('takes what the schema takes, and parses it the same', () => {
    const strict = strictAtEveryDepth(schema);
    expect(strict.parse(valid)).toEqual(schema.parse(valid));
  });

  it('refuses an unknown key wherever it sits, naming the object that holds it', () => {
    const extra = { extra: 1 };
    expect(pathsRefused({ ...valid, extra: 1 })).toEqual(['unrecognized_keys ']);
    expect(pathsRefused({ ...valid, list: [{ name: 'a', ...extra }] })).toEqual(['unrecognized_keys list.0']);
    expect(pathsRefused({ ...valid, maybe: { name: 'a', ...extra } })).toEqual(['unrecognized_keys maybe']);
    expect(pathsRefused({ ...valid, fallback: { name: 'a', ...extra } })).toEqual([
      'unrecognized_keys fallback',
    ]);
    expect(pathsRefused({ ...valid, byKey: { k: { name: 'a', ...extra } } })).toEqual([
      'unrecognized_keys byKey.k',
    ]);
    // In a union, the option it comes closest to says why; a lazy is checked after the parse.
    expect(pathsRefused({ ...valid, either: { name: 'a', ...extra } })).toEqual(['unrecognized_keys either']);
    expect(pathsRefused({ ...valid, later: { name: 'a', ...extra } })).toEqual(['unrecognized_keys later']);
  });

  it('keeps the checks and descriptions, and leaves the schema it was given as it was', () => {
    expect(pathsRefused({ ...valid, list: [] })).toEqual(['too_small list']);
    const strictItem = strictAtEveryDepth(item);
    expect(JSON.stringify(z.toJSONSchema(strictItem, { io: 'input' }))).toContain('The name');
    expect(schema.safeParse({ ...valid, extra: 1 }).success).toBe(true);
  });
});
