import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';

/** GET /openapi.json (OpenAPI 3.1, from every route's schemas); the page on /docs is src/ui/docs-page.tsx. */
export function addDocs<E extends Env>(app: OpenAPIHono<E>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT with `sub` and optional `roles`; `npm run token -- --sub alice` prints one.',
  });
  // Built on the first GET, once every route is registered, then served from memory: the routes do
  // not change while the process runs, and building it costs ~15 ms that anyone could ask for.
  let document: string | undefined;
  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Switchyard API',
          version: '1.0.0',
          description:
            'Stateful, streaming LLM graphs over HTTP. Errors are application/problem+json (RFC 9457).',
        },
        // Relative: the document describes whichever origin serves it (local, staging, production).
        servers: [{ url: '/', description: 'The server that serves this document' }],
      }),
    );
    return c.body(document, 200, { 'content-type': 'application/json' });
  });
}
