// The chat page's script, bundled for the browser by scripts/build-assets.mjs. It talks to the API only
// through the project's typed client and its SSE reader, like any other client would.
import { ApiError, createClient } from '../../client';

type Chat = ReturnType<typeof createClient>['chatbot'];
type Message = { role: 'user' | 'assistant'; content: string; type: string };

const TOKEN_KEY = 'switchyard.token';
const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const config = { devLogin: $('main').dataset.devLogin === 'true' };
let chat: Chat | undefined;
/** The conversation on screen; a hash change to it (made by this script) does not reload it. */
let current: string | undefined;

/** A readable line for a failed call: the API's problem detail when there is one. */
const describe = (error: unknown) =>
  error instanceof ApiError ? (error.problem.detail ?? error.message) : String(error);

function showSignInError(text: string) {
  const line = $('#signin-error');
  line.textContent = text;
  line.hidden = false;
}

/** Keeps the token only once the API has accepted it, so a bad one is refused on the spot. */
async function signIn(token: string) {
  const candidate = createClient(location.origin, { token }).chatbot;
  try {
    await candidate.list({ limit: 1 });
  } catch (error) {
    localStorage.removeItem(TOKEN_KEY);
    showSignInError(
      error instanceof ApiError && error.status === 401
        ? 'That token was not accepted (wrong, or expired): sign in again.'
        : `Could not sign in: ${describe(error)}`,
    );
    return;
  }
  localStorage.setItem(TOKEN_KEY, token);
  chat = candidate;
  $('#signin').hidden = true;
  $('#main').hidden = false;
  await refreshList();
  if (location.hash.length > 1) await open(hashAppId());
}

/** Asks the dev-token route for a token (AUTH_DEV_LOGIN); its problem is shown when it refuses. */
async function devToken(sub: string): Promise<string | undefined> {
  const response = await fetch('/auth/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub }),
  }).catch(() => undefined);
  if (!response) {
    showSignInError('Could not reach the server.');
    return undefined;
  }
  const body = (await response.json().catch(() => ({}))) as { token?: string; detail?: string };
  if (!response.ok || !body.token) {
    showSignInError(`Sign-in refused (${response.status}): ${body.detail ?? response.statusText}`);
    return undefined;
  }
  return body.token;
}

async function refreshList() {
  if (!chat) return;
  const { items } = await chat.list({ limit: 50 });
  $('#apps').replaceChildren(
    ...items.map((item) => {
      const entry = document.createElement('li');
      const link = document.createElement('a');
      link.href = `#${encodeURIComponent(item.app_id)}`;
      link.textContent = `${item.app_id.slice(0, 8)} · ${item.sequence_id} steps`;
      if (item.app_id === current) link.setAttribute('aria-current', 'page');
      // Its steps in the step viewer (src/ui/tracking-pages.tsx), which links back here.
      const steps = document.createElement('a');
      steps.href = `/apps/chatbot/${encodeURIComponent(item.app_id)}`;
      steps.className = 'steps';
      steps.textContent = 'steps';
      entry.append(link, ' ', steps);
      return entry;
    }),
  );
}

function showMessages(appId: string, messages: Message[]) {
  $('#messages').replaceChildren(
    ...messages.map((message, index) => {
      const item = document.createElement('div');
      item.className = `message ${message.role} ${message.type}`;
      item.textContent = message.content;
      if (message.role === 'assistant') {
        const fork = document.createElement('button');
        fork.className = 'fork';
        fork.type = 'button';
        fork.textContent = 'fork here';
        fork.title = 'A new conversation with the messages up to this answer, to go on differently';
        fork.onclick = () => void forkAfter(appId, index);
        item.append(fork);
      }
      return item;
    }),
  );
}

function showProblem(text: string) {
  const item = document.createElement('div');
  item.className = 'message error';
  item.textContent = text;
  $('#messages').append(item);
}

async function open(appId: string) {
  if (!chat) return;
  current = appId;
  $('#current').textContent = appId;
  try {
    const app = await chat.get(appId);
    showMessages(appId, app.state.chat_history);
    if (app.next && app.next !== 'prompt') offerRetry(appId, app.next, 'The last answer did not finish.');
  } catch (error) {
    $('#messages').replaceChildren();
    showProblem(`Could not open this conversation: ${describe(error)}`);
  }
  await refreshList();
}

/**
 * Forks at the step that committed the answer at `messageIndex` of the history: the fork holds the
 * conversation up to that answer, and its next action is `prompt`, so it goes on from there.
 */
async function forkAfter(appId: string, messageIndex: number) {
  if (!chat) return;
  try {
    let sequenceId: number | undefined;
    for (let cursor: string | undefined; sequenceId === undefined; ) {
      const page = await chat.steps(appId, { cursor, limit: 100, include: 'state' });
      const step = page.items.find(
        (s) => s.status === 'committed' && s.state?.chat_history.length === messageIndex + 1,
      );
      sequenceId = step?.sequence_id;
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    if (sequenceId === undefined) throw new Error('No step committed this answer.');
    const fork = await chat.fork(appId, { sequence_id: sequenceId });
    location.hash = encodeURIComponent(fork.app_id);
  } catch (error) {
    showProblem(`Could not fork: ${describe(error)}`);
  }
}

async function send(prompt: string) {
  if (!chat) return;
  await whileBusy(async (chat) => {
    if (!current) {
      current = (await chat.create()).app_id;
      location.hash = encodeURIComponent(current);
    }
    const appId = current;
    const app = await chat.get(appId);
    if (app.next && app.next !== 'prompt') {
      offerRetry(appId, app.next, 'The last answer did not finish, so a new message cannot go in yet.');
      return;
    }
    showMessages(appId, [...app.state.chat_history, { role: 'user', content: prompt, type: 'text' }]);
    await streamTurn(appId, chat.stream(appId, 'prompt', { prompt }));
  });
}

/** Runs `work` with the send button disabled, showing what it throws. */
async function whileBusy(work: (chat: Chat) => Promise<void>) {
  if (!chat) return;
  const button = $('#prompt-form button') as HTMLButtonElement;
  button.disabled = true;
  try {
    await work(chat);
  } catch (error) {
    showProblem(`Error: ${describe(error)}`);
  } finally {
    button.disabled = false;
  }
  await refreshList();
}

/** Shows a turn's answer as it streams; a failed one offers to retry the action the app now waits for. */
async function streamTurn(appId: string, events: ReturnType<Chat['stream']>) {
  const answer = document.createElement('div');
  answer.className = 'message assistant streaming';
  $('#messages').append(answer);
  for await (const event of events) {
    if (current !== appId) continue; // Another conversation is on screen: its own state shows.
    if (event.event === 'delta') answer.textContent += String((event.data as { delta: string }).delta);
    if (event.event === 'done')
      showMessages(appId, (event.data as { state: { chat_history: Message[] } }).state.chat_history);
    if (event.event === 'error') {
      answer.remove();
      const failure = event.data as { detail?: string; next?: string | null };
      const reason = `Error: ${failure.detail ?? 'the answer failed'}`.replace(/\.?$/, '.');
      if (failure.next && failure.next !== 'prompt') offerRetry(appId, failure.next, reason);
      else showProblem(reason);
    }
  }
}

/**
 * After a failed model call (an upstream error, a timeout) the user's message is kept and the app's
 * `next` is the answering action, which takes no input: say so, and offer to run it again.
 */
function offerRetry(appId: string, next: string, reason: string) {
  const notice = document.createElement('div');
  notice.className = 'message error stuck';
  notice.textContent = `${reason} Your message is kept; the conversation goes on once "${next}" has run. `;
  const retry = document.createElement('button');
  retry.type = 'button';
  retry.className = 'retry';
  retry.textContent = 'Retry';
  retry.onclick = () => {
    notice.remove();
    // `next` came from the server, which names one of the graph's actions; it takes no input.
    const action = next as Exclude<Parameters<Chat['stream']>[1], 'prompt'>;
    void whileBusy((chat) => streamTurn(appId, chat.stream(appId, action, {})));
  };
  notice.append(retry);
  $('#messages').append(notice);
}

$('#signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('#signin-error').hidden = true;
  const value = ($('#signin-value') as HTMLInputElement).value.trim();
  const token = config.devLogin ? await devToken(value) : value;
  if (token) await signIn(token);
});
$('#prompt-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#prompt') as HTMLInputElement;
  const prompt = input.value.trim();
  input.value = '';
  if (prompt) void send(prompt);
});
$('#new').addEventListener('click', () => {
  current = undefined;
  location.hash = '';
  $('#current').textContent = 'new conversation';
  $('#messages').replaceChildren();
  void refreshList();
});
window.addEventListener('hashchange', () => {
  const appId = hashAppId();
  if (appId && appId !== current) void open(appId);
});

const saved = localStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);

/**
 * The app id in the address (`#<id>`). The browser keeps the fragment percent-encoded (a space is
 * %20), so it is decoded; a fragment that is not valid encoding is taken as it is.
 */
function hashAppId(): string {
  const raw = location.hash.slice(1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
