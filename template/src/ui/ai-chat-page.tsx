import { Hono } from 'hono';
import { PageLayout } from './page-layout';

const styles = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 760px; color: #1d232a; }
  .message { margin: .5rem 0; padding: .6rem .8rem; border-radius: 8px; white-space: pre-wrap; }
  .user { background: #dbeafe; margin-left: 3rem; }
  .assistant { background: #f1f5f9; margin-right: 3rem; }
  form { display: flex; gap: .5rem; margin-top: .5rem; }
  input { flex: 1; padding: .5rem; font: inherit; }
  #status { color: #64748b; font-size: 13px; }
`;

/**
 * GET /ai-chat: the chatbot through the AI SDK's own browser client (src/ui/browser/ai-chat.ts,
 * served as /assets/ai-chat.js): the page a useChat front-end would be, resumable across reloads.
 */
export function aiChatPage() {
  return new Hono().get('/ai-chat', (c) =>
    c.html(
      <PageLayout title="Switchyard chat (AI SDK)" styles={styles}>
        <h2>Chat through the AI SDK</h2>
        <section id="signin">
          <form id="signin-form">
            <input id="signin-value" placeholder="any user name (dev login)" required />
            <button type="submit">Sign in</button>
          </form>
        </section>
        <section id="chat" hidden>
          <div id="messages" />
          <p id="status" />
          <form id="prompt-form">
            <input id="prompt" placeholder="Ask a question, or ask for code or a poem" autocomplete="off" />
            <button type="submit">Send</button>
          </form>
        </section>
        <script type="module" src="/assets/ai-chat.js" />
      </PageLayout>,
    ),
  );
}
