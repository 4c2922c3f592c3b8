import { z } from '@hono/zod-openapi';
import { droppedKeys } from '../engine/unknown-keys';

// A schema that refuses keys it does not name at every depth, as the engine's StateSchema does with
// a stored state: zod's `.strict()` refuses them only at its own level, and drops the deeper ones.
// For a request body (a fork's state overrides), so the document says it too: every object it
// holds gets additionalProperties: false, and a client generated from it refuses what the server
// would.

/**
 * `schema` rebuilt with every object strict, through arrays, optionals, nullables, defaults,
 * unions and records (descriptions kept); what it cannot rebuild (a lazy, a pipe …) is still
 * refused on unknown keys, by comparing zod's output with the input (the engine's droppedKeys).
 */
export function strictAtEveryDepth<T extends z.ZodType>(schema: T) {
  const strict = strictened(schema);
  return z.preprocess((value, context) => {
    const parsed = strict.safeParse(value);
    if (parsed.success) for (const issue of droppedKeys(value, parsed.data)) context.addIssue({ ...issue });
    return value;
  }, strict);
}

function strictened<T extends z.ZodType>(schema: T): T {
  const rebuilt = rebuild(schema);
  if (rebuilt === schema) return schema;
  const meta = z.globalRegistry.get(schema);
  if (meta) z.globalRegistry.add(rebuilt, meta);
  // The same kind of schema with the same checks, over strict children: it parses to the same type.
  return rebuilt as T;
}

function rebuild(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(schema.shape).map(([key, value]) => [key, strictened(value as z.ZodType)]),
    );
    return schema.clone({ ...schema.def, shape, catchall: z.never() });
  }
  if (schema instanceof z.ZodArray) {
    return schema.clone({ ...schema.def, element: strictened(schema.def.element as z.ZodType) });
  }
  if (schema instanceof z.ZodOptional) {
    return schema.clone({ ...schema.def, innerType: strictened(schema.def.innerType as z.ZodType) });
  }
  if (schema instanceof z.ZodNullable) {
    return schema.clone({ ...schema.def, innerType: strictened(schema.def.innerType as z.ZodType) });
  }
  if (schema instanceof z.ZodDefault) {
    return schema.clone({ ...schema.def, innerType: strictened(schema.def.innerType as z.ZodType) });
  }
  if (schema instanceof z.ZodUnion) {
    return schema.clone({
      ...schema.def,
      options: schema.def.options.map((option) => strictened(option as z.ZodType)),
    });
  }
  if (schema instanceof z.ZodRecord) {
    return schema.clone({ ...schema.def, valueType: strictened(schema.def.valueType as z.ZodType) });
  }
  return schema;
}
