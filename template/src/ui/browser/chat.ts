// The chat page's script, bundled for the browser by src/ui/assets.ts. It talks to the API only
// through the project's typed client and its SSE reader, like any other client would.
import { ApiError, createClient } from '../../client';

type Chat = ReturnType<typeof createClient>['chatbot'];
type Message = { role: 'user' | 'assistant'; content: string; type: string };

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const config = { devLogin: $('main').dataset.devLogin === 'true' };
let chat: Chat | undefined;

function signIn(token: string) {
  localStorage.setItem('switchyard.token', token);
  chat = createClient(location.origin, { token }).chatbot;
  $('#signin').hidden = true;
  $('#main').hidden = false;
  void refreshList();
}

async function refreshList() {
  if (!chat) return;
  const { items } = await chat.list({ limit: 50 });
  const list = $('#apps');
  list.replaceChildren(
    ...items.map((item) => {
      const entry = document.createElement('li');
      const link = document.createElement('a');
      link.href = `#${item.app_id}`;
      link.textContent = `${item.app_id.slice(0, 8)} · ${item.sequence_id} steps`;
      entry.append(link);
      return entry;
    }),
  );
}

function showMessages(appId: string, messages: Message[]) {
  const log = $('#messages');
  log.replaceChildren(
    ...messages.map((message, index) => {
      const item = document.createElement('div');
      item.className = `message ${message.role} ${message.type}`;
      item.textContent = message.content;
      if (message.role === 'user') {
        const fork = document.createElement('button');
        fork.className = 'fork';
        fork.textContent = 'fork here';
        fork.title = 'A new conversation that starts from this message';
        fork.onclick = () => void forkAt(appId, index);
        item.append(fork);
      }
      return item;
    }),
  );
}

async function open(appId: string) {
  if (!chat) return;
  const app = await chat.get(appId);
  $('#current').textContent = appId;
  showMessages(appId, app.state.chat_history);
}

/** Forks at the step that committed the message (the n-th user message). */
async function forkAt(appId: string, messageIndex: number) {
  if (!chat) return;
  const userMessages = (await chat.get(appId)).state.chat_history
    .slice(0, messageIndex + 1)
    .filter((m) => m.role === 'user').length;
  const steps = await chat.steps(appId, { limit: 200 });
  const step = steps.items.filter((s) => s.action === 'prompt' && s.status === 'committed')[userMessages - 1];
  const fork = await chat.fork(appId, { sequence_id: step?.sequence_id });
  location.hash = fork.app_id;
  await refreshList();
}

async function send(prompt: string) {
  if (!chat) return;
  let appId = location.hash.slice(1);
  if (!appId) {
    appId = (await chat.create()).app_id;
    location.hash = appId;
  }
  const app = await chat.get(appId);
  const log = $('#messages');
  const history = [...app.state.chat_history, { role: 'user', content: prompt, type: 'text' } as Message];
  showMessages(appId, history);
  const answer = document.createElement('div');
  answer.className = 'message assistant streaming';
  log.append(answer);
  try {
    const action = app.next === 'prompt' ? 'prompt' : undefined;
    if (!action) throw new Error(`The app expects "${app.next}" next; open it again to retry.`);
    for await (const event of chat.stream(appId, 'prompt', { prompt })) {
      if (event.event === 'delta') answer.textContent += String((event.data as { delta: string }).delta);
      if (event.event === 'done')
        showMessages(appId, (event.data as { state: { chat_history: Message[] } }).state.chat_history);
      if (event.event === 'error')
        answer.textContent = `Error: ${(event.data as { detail?: string }).detail}`;
    }
  } catch (error) {
    answer.textContent = error instanceof ApiError ? `Error: ${error.problem.detail}` : String(error);
  }
  await refreshList();
}

$('#signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = ($('#signin-value') as HTMLInputElement).value.trim();
  if (!config.devLogin) return signIn(value);
  const response = await fetch('/auth/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: value }),
  });
  signIn(((await response.json()) as { token: string }).token);
});
$('#prompt-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#prompt') as HTMLInputElement;
  const prompt = input.value.trim();
  input.value = '';
  if (prompt) void send(prompt);
});
$('#new').addEventListener('click', () => {
  location.hash = '';
  $('#current').textContent = 'new conversation';
  $('#messages').replaceChildren();
});
window.addEventListener('hashchange', () => {
  if (location.hash.length > 1) void open(location.hash.slice(1));
});

const saved = localStorage.getItem('switchyard.token');
if (saved) {
  signIn(saved);
  if (location.hash.length > 1) void open(location.hash.slice(1));
}
