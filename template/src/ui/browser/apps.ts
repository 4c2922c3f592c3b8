// GET /apps: the caller's apps across every mounted graph, newest first, paged, filtered by graph.
// Each graph's list is its own paged API call; a page here merges one page of each, newest first.
import { createGraphClient } from '../../client';
import { withSignIn } from '../session';

type Summary = Awaited<ReturnType<ReturnType<typeof createGraphClient>['list']>>['items'][number];

const main = document.querySelector('main') as HTMLElement;
const graphs = (main.dataset.graphs ?? '').split(',').filter(Boolean);
const body = document.querySelector('#apps tbody') as HTMLElement;
const more = document.querySelector('#more') as HTMLButtonElement;
const status = document.querySelector('#apps-status') as HTMLElement;
const filter = document.querySelector('#graph-filter') as HTMLSelectElement;
const PAGE = 20;

let token = '';
/** Per graph: the cursor of its next page (undefined: not asked yet; null: no more). */
let cursors = new Map<string, string | null | undefined>();

function link(href: string, text: string) {
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.textContent = text;
  return anchor;
}

function row(app: Summary) {
  const tr = document.createElement('tr');
  const cells: (string | Node)[] = [
    link(`/apps/${app.graph}/${encodeURIComponent(app.app_id)}`, app.app_id),
    app.graph,
    app.position ?? '—',
    app.next ?? '—',
    String(app.sequence_id),
    new Date(app.updated_at).toLocaleString(),
    app.parent
      ? link(
          `/apps/${app.graph}/${encodeURIComponent(app.parent.app_id)}#step-${app.parent.sequence_id}`,
          `${app.parent.app_id} @ ${app.parent.sequence_id}`,
        )
      : '—',
  ];
  for (const cell of cells) {
    const td = document.createElement('td');
    td.append(cell);
    tr.append(td);
  }
  return tr;
}

async function loadPage() {
  more.disabled = true;
  const chosen = filter.value ? [filter.value] : graphs;
  const pages = await Promise.all(
    chosen
      .filter((graph) => cursors.get(graph) !== null)
      .map(async (graph) => {
        const client = createGraphClient(location.origin, graph, { token });
        const page = await client.list({ limit: PAGE, cursor: cursors.get(graph) ?? undefined });
        cursors.set(graph, page.next_cursor);
        return page.items;
      }),
  ).catch((error) => {
    status.textContent = `Could not list apps: ${error instanceof Error ? error.message : String(error)}`;
    return [];
  });
  const items = pages.flat().sort((a, b) => b.created_at.localeCompare(a.created_at));
  body.append(...items.map(row));
  if (body.children.length === 0) status.textContent = 'No apps yet: start a conversation in the chat.';
  more.hidden = ![...cursors.values()].some((cursor) => cursor !== null);
  more.disabled = false;
}

function restart() {
  cursors = new Map();
  body.replaceChildren();
  status.textContent = '';
  void loadPage();
}

more.addEventListener('click', () => void loadPage());
filter.addEventListener('change', restart);
withSignIn(main.dataset.devLogin === 'true', (accepted) => {
  token = accepted;
  restart();
});
