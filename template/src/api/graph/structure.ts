import { z } from '@hono/zod-openapi';
import { z as zod } from 'zod';
import type { Graph } from '../../engine/graph';

// GET /api/v1/{graph}/graph: the graph's structure as data, for the step viewer's diagram and for any
// other tool that draws or checks it. Built from the graph definition, once per graph.

export const GraphStructureSchema = z
  .object({
    name: z.string().describe('The graph name'),
    entrypoint: z.string().describe('Where a new app starts'),
    actions: z.array(
      z.object({
        name: z.string(),
        reads: z.array(z.string()).describe('State keys the action reads'),
        writes: z.array(z.string()).describe('State keys the action may write'),
        input: z
          .record(z.string(), z.unknown())
          .nullable()
          .describe('JSON Schema of the inputs (zod 4 toJSONSchema), or null when it takes none'),
      }),
    ),
    transitions: z
      .array(
        z.object({
          from: z.string(),
          to: z.string(),
          condition: z.string().describe('The condition by name; `default` when it always matches'),
        }),
      )
      .describe('In the order they are checked'),
    halt_after: z.array(z.string()).describe('A run stops after these actions'),
    halt_before: z.array(z.string()).describe('A run stops before these actions'),
  })
  .openapi('GraphStructure');

export type GraphStructure = z.infer<typeof GraphStructureSchema>;

/** The structure of `graph` as the route answers it. */
export function graphStructure(graph: Graph): GraphStructure {
  return {
    name: graph.name,
    entrypoint: graph.entrypoint,
    actions: [...graph.actions.values()].map((action) => ({
      name: action.name,
      reads: [...action.reads],
      writes: [...action.writes],
      input: action.input
        ? (zod.toJSONSchema(action.input, { io: 'input' }) as Record<string, unknown>)
        : null,
    })),
    transitions: graph.transitions.map(({ from, to, condition }) => ({ from, to, condition })),
    halt_after: [...graph.haltAfter],
    halt_before: [...graph.haltBefore],
  };
}
