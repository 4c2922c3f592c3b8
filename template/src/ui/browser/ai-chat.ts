// The AI SDK chat page's script (GET /ai-chat), bundled for the browser by scripts/build-assets.mjs
// with the `ai` package itself: DefaultChatTransport posts each message to /api/v1/chatbot/chat
// and, after a reload, reconnects to the running turn (resume); readUIMessageStream builds the
// answer as useChat would. What a React, Vue or Svelte app gets from useChat, without a framework.
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';

const TOKEN_KEY = 'switchyard.token';
const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const textOf = (message: UIMessage) =>
  message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');

/** Shows one message, or updates it in place while its answer streams. */
function show(id: string, role: string, text: string) {
  let line = document.getElementById(`m-${id}`);
  if (!line) {
    line = document.createElement('div');
    line.id = `m-${id}`;
    line.className = `message ${role}`;
    $('#messages').append(line);
  }
  line.textContent = text;
}

/** Reads one turn's UI message stream into the page; the status line says how it ended. */
async function follow(stream: ReadableStream<import('ai').UIMessageChunk>) {
  $('#status').textContent = 'answering';
  let ending = 'done';
  const messages = readUIMessageStream({ stream, onError: (error) => (ending = `error: ${error}`) });
  for await (const message of messages) show(message.id, 'assistant', textOf(message));
  $('#status').textContent = ending;
}

async function start(token: string) {
  const chatId = location.hash.slice(1) || crypto.randomUUID();
  history.replaceState(null, '', `#${chatId}`);
  const headers = { authorization: `Bearer ${token}` };
  const transport = new DefaultChatTransport({ api: '/api/v1/chatbot/chat', headers });
  $('#signin').hidden = true;
  $('#chat').hidden = false;
  // A reload: the stored conversation first, then the turn still running, replayed from its start.
  const stored = await fetch(`/api/v1/chatbot/apps/${encodeURIComponent(chatId)}`, { headers });
  if (stored.ok) {
    const { state } = (await stored.json()) as {
      state: { chat_history: { role: string; content: string }[] };
    };
    for (const [index, message] of state.chat_history.entries())
      show(`h${index}`, message.role, message.content);
  }
  const resumed = stored.ok ? await transport.reconnectToStream({ chatId }) : null;
  if (resumed) await follow(resumed);
  $('#prompt-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $<HTMLInputElement>('#prompt').value.trim();
    if (!text) return;
    $<HTMLInputElement>('#prompt').value = '';
    const message: UIMessage = { id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] };
    show(message.id, 'user', text);
    const stream = await transport.sendMessages({
      chatId,
      messages: [message],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    await follow(stream);
  });
}

$('#signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/auth/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: $<HTMLInputElement>('#signin-value').value.trim() }),
  });
  const { token } = (await response.json()) as { token?: string };
  if (!token) return;
  localStorage.setItem(TOKEN_KEY, token);
  await start(token);
});

const saved = localStorage.getItem(TOKEN_KEY);
if (saved) void start(saved);
