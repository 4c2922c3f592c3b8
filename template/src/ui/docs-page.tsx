import { Hono } from 'hono';

/**
 * GET /docs: the interactive API reference (Scalar) over /openapi.json. The reference's browser
 * bundle is copied from the installed @scalar/api-reference into /assets/scalar.js at build time
 * and started by /assets/docs.js, so the page loads nothing from another origin, needs no inline
 * script (the Content-Security-Policy forbids it) and works offline.
 */
export function docsPage() {
  return new Hono().get('/docs', (c) =>
    c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Switchyard API</title>
          <link rel="icon" href="data:," />
        </head>
        <body>
          <div id="app" data-url="/openapi.json" />
          <script src="/assets/docs-setup.js" />
          <script src="/assets/scalar.js" />
          <script src="/assets/docs.js" />
        </body>
      </html>,
    ),
  );
}
