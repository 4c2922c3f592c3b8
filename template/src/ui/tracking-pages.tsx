import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { graphStructure } from '../api/graph/structure';
import type { AnyGraph } from '../engine';
import { GraphDiagram } from './graph-diagram';
import { type GraphLayout, layoutGraph } from './graph-layout';
import { PageLayout } from './page-layout';
import { trackingStyles } from './tracking-styles';

// GET /apps (the caller's apps across every mounted graph) and GET /apps/{graph}/{app_id} (the step
// viewer). The HTML carries no app data: like the chat page, the caller's token lives in the browser,
// so the scripts (/assets/apps.js, /assets/viewer.js) load what the API lets the caller read, and an
// app the API answers 404 for shows the 404 page. Only the graph's drawing is in the HTML: it is the
// graph's code (as public as /openapi.json), laid out once per graph (graph-layout.ts).

function Page(props: {
  title: string;
  devLogin: boolean;
  script: string;
  data?: Record<string, string>;
  children: Child;
}) {
  const data = Object.fromEntries(
    Object.entries(props.data ?? {}).map(([key, value]) => [`data-${key}`, value]),
  );
  return (
    <PageLayout title={props.title} styles={trackingStyles}>
      <nav>
        <a href="/">Chat</a>
        <a href="/apps">Apps</a>
        <a href="/docs">API</a>
      </nav>
      <main data-dev-login={String(props.devLogin)} {...data}>
        <section id="signin" hidden>
          <h2>Sign in</h2>
          <form id="signin-form">
            <input
              id="signin-value"
              placeholder={props.devLogin ? 'any user name (dev login)' : 'paste a bearer token'}
              required
            />
            <button type="submit">Sign in</button>
          </form>
          <p id="signin-error" class="error" role="alert" hidden />
        </section>
        {props.children}
      </main>
      <script type="module" src={`/assets/${props.script}.js`} />
    </PageLayout>
  );
}

/** The pages, for the graphs of src/graphs.ts; each graph is laid out once, here. */
export function trackingPages(graphs: Iterable<AnyGraph>, options: { devLogin: boolean }) {
  const drawings = new Map([...graphs].map((graph) => [graph.name, layoutGraph(graphStructure(graph))]));
  const pages = new Hono();

  pages.get('/apps', (c) => c.html(<AppsPage devLogin={options.devLogin} graphs={[...drawings.keys()]} />));
  pages.get('/apps/:graph/:app_id', (c) => {
    const graph = c.req.param('graph');
    const layout = drawings.get(graph);
    if (!layout) return c.html(<NotFound />, 404);
    return c.html(
      <ViewerPage devLogin={options.devLogin} graph={graph} appId={c.req.param('app_id')} layout={layout} />,
    );
  });
  return pages;
}

function AppsPage({ devLogin, graphs }: { devLogin: boolean; graphs: string[] }) {
  return (
    <Page title="Apps · Switchyard" devLogin={devLogin} script="apps" data={{ graphs: graphs.join(',') }}>
      <h1>Apps</h1>
      <label>
        Graph{' '}
        <select id="graph-filter">
          <option value="">every graph</option>
          {graphs.map((name) => (
            <option value={name}>{name}</option>
          ))}
        </select>
      </label>
      <table id="apps">
        <thead>
          <tr>
            <th>app</th>
            <th>graph</th>
            <th>position</th>
            <th>next</th>
            <th>steps</th>
            <th>updated</th>
            <th>parent</th>
          </tr>
        </thead>
        <tbody />
      </table>
      <p id="apps-status" class="muted" />
      <button id="more" type="button" hidden>
        More
      </button>
    </Page>
  );
}

function ViewerPage(props: { devLogin: boolean; graph: string; appId: string; layout: GraphLayout }) {
  const { devLogin, graph, appId, layout } = props;
  return (
    <Page
      title="Step viewer · Switchyard"
      devLogin={devLogin}
      script="viewer"
      data={{ graph, 'app-id': appId }}
    >
      <section id="not-found" hidden>
        <h1>404: no such app</h1>
        <p>It does not exist, or you may not read it.</p>
      </section>
      <section id="viewer" hidden>
        <h1 id="title">
          {graph} / {appId}
        </h1>
        <p id="summary" />
        <p id="relations" />
        <div id="layout">
          <figure>
            <GraphDiagram layout={layout} />
            <figcaption class="legend muted">
              <span>blue: position</span>
              <span>dashed green: next</span>
              <span>red bar: halts</span>
              <span>orange: running now</span>
            </figcaption>
          </figure>
          <div>
            <p>
              <span id="live" data-on="false" class="muted" />{' '}
              <a id="from-start" href={`/apps/${graph}/${encodeURIComponent(appId)}`} hidden>
                from the first step
              </a>
            </p>
            <table id="steps">
              <thead>
                <tr>
                  <th>#</th>
                  <th>action</th>
                  <th>status</th>
                  <th>started · ms</th>
                  <th>inputs → result</th>
                  <th>change</th>
                  <th />
                </tr>
              </thead>
              <tbody />
              <tfoot>
                <tr id="running" class="running" hidden />
              </tfoot>
            </table>
            <button id="more-steps" type="button" hidden>
              More steps
            </button>
          </div>
        </div>
      </section>
    </Page>
  );
}

function NotFound() {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Not found · Switchyard</title>
      </head>
      <body>
        <h1>404: no such graph</h1>
        <p>
          <a href="/apps">Apps</a>
        </p>
      </body>
    </html>
  );
}
