import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Access } from '../../auth/policy';
import { requires } from '../../auth/requires';

// What every route of one graph shares, said once: its operation id is prefixed with the graph's
// name, it is tagged with the graph, it takes a bearer token, and the access it requires on the
// app its path names is checked by requires(…) before anything else runs.

const security = [{ bearerAuth: [] }];

/** What one graph route states of its own. */
type OwnRoute = Omit<RouteConfig, 'operationId' | 'tags' | 'security' | 'middleware'> & {
  /** The operation's name within the graph: its operationId is `<graph>_<operation>`. */
  operation: string;
  /** The access the caller needs on the app of the path's `app_id` (requires(…) loads it). */
  requires?: Access;
  /** Middleware that runs after the access check. */
  middleware?: readonly MiddlewareHandler[];
  /** Tags besides the graph's own. */
  alsoTagged?: readonly string[];
};

type RouteMiddleware<C extends OwnRoute> = [
  ...(C extends { requires: Access } ? [ReturnType<typeof requires>] : []),
  ...(C extends { middleware: infer M extends readonly MiddlewareHandler[] } ? M : []),
];

type GraphRoute<C extends OwnRoute> = Omit<C, 'operation' | 'requires' | 'middleware' | 'alsoTagged'> & {
  operationId: string;
  tags: string[];
  security: typeof security;
  middleware: RouteMiddleware<C>;
};

/** The route maker of one graph's routes: each states its path, schemas, docs and access. */
export function graphRouteMaker(graphName: string) {
  return <const C extends OwnRoute>(config: C) => {
    const { operation, requires: access, middleware = [], alsoTagged = [], ...own } = config;
    // The shared fields before the route's own: the document lists an operation's fields in the
    // order they come here, and every route listed these first.
    const route = {
      operationId: `${graphName}_${operation}`,
      tags: [graphName, ...alsoTagged],
      security,
      middleware: [...(access ? [requires(access)] : []), ...middleware],
      ...own,
    } as unknown as GraphRoute<C>;
    return createRoute(route);
  };
}

export type GraphRouteMaker = ReturnType<typeof graphRouteMaker>;
