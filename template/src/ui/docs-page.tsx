import { Hono } from 'hono';
import { PageLayout } from './page-layout';

/**
 * GET /docs: the interactive API reference (Scalar) over /openapi.json. The reference's browser
 * bundle is copied from the installed @scalar/api-reference into /assets/scalar.js at build time
 * and started by /assets/docs.js, so the page loads nothing from another origin, needs no inline
 * script (the Content-Security-Policy forbids it) and works offline.
 */
export function docsPage() {
  return new Hono().get('/docs', (c) =>
    c.html(
      <PageLayout title="Switchyard API">
        <div id="app" data-url="/openapi.json" />
        <script src="/assets/docs-setup.js" />
        <script src="/assets/scalar.js" />
        <script src="/assets/docs.js" />
      </PageLayout>,
    ),
  );
}
