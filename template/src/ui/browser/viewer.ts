// GET /apps/{graph}/{app_id}: one app, its steps (paged), the graph drawn by the server with the
// current position and next marked here, fork from any step (offered when the API says the caller
// may fork), new steps as they commit (the page polls the steps after the last row it has, once a
// second while it is visible: a cheap indexed read of writes, which works the same for a stream, a
// background run or another tab), and the action a background run or a streamed action is working
// on now (live-run.ts).
import { ApiError, type AppView, createGraphClient, createRunsClient, type Step } from '../../client';
import { liveRun, type RunningAction } from '../live-run';
import { withSignIn } from '../session';
import { element, rowId, stepRow } from '../step-rows';

type State = Record<string, unknown>;
type AnyStep = Step<State>;

const main = document.querySelector('main') as HTMLElement;
const graph = main.dataset.graph as string;
const appId = main.dataset.appId as string;
const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const PAGE = 50;
const POLL_MS = 1000;

let client: ReturnType<typeof createGraphClient>;
let live: ReturnType<typeof liveRun>;
let mayFork = false;
/** The cursor of the last row shown; the next page (or poll) asks for what comes after it. */
let lastCursor: string | undefined;
let endReached = false;
let sequenceShown = -1;
/** What live-run.ts last said works now (shown unless its step is already shown committed). */
let runningNow: RunningAction | null = null;

const viewerOf = (id: string, hash = '') => `/apps/${graph}/${encodeURIComponent(id)}${hash}`;
const link = (href: string, text: string) => Object.assign(element('a', { text }), { href });

function showApp(app: AppView<State>) {
  sequenceShown = app.sequence_id;
  $('#title').textContent = `${graph} / ${app.app_id}`;
  $('#summary').textContent =
    `position ${app.position ?? '—'} · next ${app.next ?? '—'} · ${app.sequence_id} steps · updated ${new Date(app.updated_at).toLocaleString()}`;
  for (const node of document.querySelectorAll('#diagram .node')) {
    const action = (node as SVGGElement).dataset.action;
    node.classList.toggle('position', action === app.position);
    node.classList.toggle('next', action === app.next);
  }
  showRunning(runningNow);
}

async function showRelations(app: AppView<State>) {
  const parts: Node[] = [];
  if (graph === 'chatbot') parts.push(link(`/#${encodeURIComponent(app.app_id)}`, 'open in the chat'));
  if (app.parent) {
    const { app_id: parent, sequence_id: at } = app.parent;
    parts.push(
      document.createTextNode(' · forked from '),
      link(viewerOf(parent, `#step-${at}`), `${parent} at step ${at}`),
    );
  }
  // Forks made from this app that the caller may read (its own list, filtered by parent).
  const forks = (await client.list({ limit: 100 }).catch(() => ({ items: [] }))).items.filter(
    (item) => item.parent?.app_id === app.app_id,
  );
  if (forks.length > 0) {
    parts.push(document.createTextNode(' · forks: '));
    for (const fork of forks)
      parts.push(
        link(viewerOf(fork.app_id), `${fork.app_id} (step ${fork.parent?.sequence_id})`),
        document.createTextNode(' '),
      );
  }
  $('#relations').replaceChildren(...parts);
}

const rowActions = () => ({
  loadState: async (step: AnyStep) => client.stepState(appId, step.sequence_id).catch(() => null),
  fork: mayFork
    ? async (step: AnyStep) => {
        const fork = await client.fork(appId, { sequence_id: step.sequence_id });
        location.href = viewerOf(fork.app_id);
      }
    : undefined,
});

function append(steps: AnyStep[]) {
  const body = $('#steps tbody');
  for (const step of steps)
    if (!document.getElementById(rowId(step))) body.append(stepRow(step, rowActions()));
  const last = steps.at(-1);
  if (last) lastCursor = last.cursor;
}

/** The next page after the last row shown; `after` only for the first page of a deep link. */
async function loadMore(after?: number) {
  const page = await client.steps(appId, { limit: PAGE, cursor: lastCursor, after });
  append(page.items);
  endReached = page.next_cursor === null;
  $('#more-steps').hidden = endReached;
}

/** Marks the running action on the diagram, with a row below the steps where its step will appear. */
function showRunning(shown: RunningAction | null) {
  runningNow = shown;
  // A step the page already shows is no longer running (the stream's row moves a moment later).
  const committed = shown?.sequenceId != null && shown.sequenceId <= sequenceShown;
  const running = committed ? null : shown;
  for (const node of document.querySelectorAll('#diagram .node'))
    node.classList.toggle('running', !!running && (node as SVGGElement).dataset.action === running.action);
  const row = $('#running');
  row.hidden = !running;
  if (!running) return row.replaceChildren();
  row.dataset.action = running.action;
  row.dataset.runId = running.runId ?? '';
  row.dataset.streamId = running.streamId ?? '';
  row.replaceChildren(
    element('td', { text: running.sequenceId === null ? '' : String(running.sequenceId) }),
    element('td', { text: running.action, className: 'json' }),
    element('td', { text: running.queued ? 'queued…' : 'running…', className: 'muted' }),
    element('td', {
      text: running.runId ? `background run ${running.runId}` : 'streamed action',
      className: 'muted',
    }),
  );
  (row.lastChild as HTMLTableCellElement).colSpan = 4;
}

/** Once the whole log is shown: new rows after the last, and the app's new position. */
async function refresh() {
  if (endReached && document.visibilityState === 'visible') {
    const page = await client.steps(appId, { limit: PAGE, cursor: lastCursor }).catch(() => null);
    if (page && page.items.length > 0) {
      append(page.items);
      endReached = page.next_cursor === null;
      $('#more-steps').hidden = endReached;
    }
    const app = await client.get(appId).catch(() => null);
    if (app && app.sequence_id !== sequenceShown) showApp(app);
  }
}

/** Once a second: the new rows, then the run working on the app, if one is and none is followed. */
async function poll() {
  await refresh();
  if (document.visibilityState === 'visible') await live.check();
  setTimeout(() => void poll(), POLL_MS);
}

async function start(token: string) {
  client = createGraphClient(location.origin, graph, { token });
  live = liveRun({
    graphClient: client,
    runsClient: createRunsClient(location.origin, { token }),
    appId,
    show: showRunning,
    changed: () => void refresh(),
  });
  let app: AppView<State>;
  try {
    const [loaded, access] = await Promise.all([client.get(appId), client.access(appId)]);
    app = loaded;
    // The fork route's own rule (policy.ts needs.fork): owners, admins and write grantees.
    mayFork = access.may.fork;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) $('#not-found').hidden = false;
    else $('#not-found').replaceChildren(element('p', { text: String(error), className: 'error' }));
    $('#not-found').hidden = false;
    return;
  }
  $('#viewer').hidden = false;
  showApp(app);
  void showRelations(app);
  const deep = /^#step-(\d+)$/.exec(location.hash);
  const startAt = deep ? Math.max(0, Number(deep[1]) - 1) : undefined;
  if (startAt) $('#from-start').hidden = false;
  await loadMore(startAt);
  if (deep) document.getElementById(`step-${deep[1]}`)?.scrollIntoView();
  $('#live').textContent = 'live: new steps and the running action appear as they happen';
  $('#live').dataset.on = 'true';
  void poll();
}

$('#more-steps').addEventListener('click', () => void loadMore());
withSignIn(main.dataset.devLogin === 'true', start);
