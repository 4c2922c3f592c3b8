import { needs } from '../../auth/policy';
import { errorResponses, jsonContent } from '../../lib/openapi';
import { StepParams } from '../schemas';
import { StepStateSchema } from '../views';
import type { GraphRouteMaker } from './graph-route';
import { GraphStructureSchema } from './structure';

// The routes the step viewer added to every graph (routes.ts spreads them into its list): the state
// around one step, and the graph's own structure.

export function trackingRoutes(route: GraphRouteMaker) {
  return {
    stepState: route({
      method: 'get',
      path: '/apps/{app_id}/steps/{sequence_id}/state',
      operation: 'step_state',
      requires: needs.read,
      summary: 'The state around one step',
      description:
        'The whole state before and after the committed step `sequence_id` (404 when there is none).',
      request: { params: StepParams },
      responses: {
        200: jsonContent(StepStateSchema, 'The state before and after the step'),
        ...errorResponses(401, 404, 422, 429),
      },
    }),
    structure: route({
      method: 'get',
      path: '/graph',
      operation: 'graph',
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
