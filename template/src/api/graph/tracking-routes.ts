import { createRoute } from '@hono/zod-openapi';
import { needs } from '../../auth/policy';
import { requires } from '../../auth/requires';
import { errorResponses, jsonContent } from '../../lib/openapi';
import { StepParams } from '../schemas';
import { StepStateSchema } from '../views';
import { GraphStructureSchema } from './structure';

// The routes the step viewer added to every graph (routes.ts spreads them into its list): the state
// around one step, and the graph's own structure.

const security = [{ bearerAuth: [] }];

export function trackingRoutes(graphName: string, op: (name: string) => string) {
  const tags = [graphName];
  return {
    stepState: createRoute({
      middleware: [requires(needs.read)] as const,
      method: 'get',
      path: '/apps/{app_id}/steps/{sequence_id}/state',
      operationId: op('step_state'),
      tags,
      security,
      summary: 'The state around one step',
      description:
        'The whole state before and after the committed step `sequence_id` (404 when there is none).',
      request: { params: StepParams },
      responses: {
        200: jsonContent(StepStateSchema, 'The state before and after the step'),
        ...errorResponses(401, 404, 422, 429),
      },
    }),
    structure: createRoute({
      method: 'get',
      path: '/graph',
      operationId: op('graph'),
      tags,
      security,
      summary: 'The graph itself',
      description:
        'Its actions (reads, writes, input JSON Schema), transitions with their conditions named, and halts. Any signed-in caller may read it.',
      responses: {
        200: jsonContent(GraphStructureSchema, 'The graph structure'),
        ...errorResponses(401, 429),
      },
    }),
  };
}
