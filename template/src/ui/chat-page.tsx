import { Hono } from 'hono';
import { PageLayout } from './page-layout';

const styles = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; display: flex; min-height: 100vh; color: #1d232a; }
  aside { width: 230px; background: #f3f5f7; padding: 1rem; border-right: 1px solid #dde2e7; }
  main { flex: 1; display: flex; flex-direction: column; padding: 1rem 1.5rem; max-width: 820px; }
  #messages { flex: 1; overflow-y: auto; }
  .message { margin: .5rem 0; padding: .6rem .8rem; border-radius: 8px; white-space: pre-wrap; position: relative; }
  .user { background: #dbeafe; margin-left: 3rem; }
  .assistant { background: #f1f5f9; margin-right: 3rem; }
  .code { font-family: ui-monospace, monospace; }
  .error { background: #fee2e2; }
  #signin-error { color: #b91c1c; }
  #apps a[aria-current] { font-weight: 600; }
  #main:not([hidden]) { display: contents; }
  .fork { position: absolute; right: .4rem; top: .3rem; font-size: 11px; }
  form { display: flex; gap: .5rem; margin-top: .5rem; }
  input { flex: 1; padding: .5rem; font: inherit; }
  .demo { color: #64748b; font-size: 13px; }
`;

/** GET / (the chat page); its script is /assets/chat.js (src/ui/browser/chat.ts, built by npm run build:assets). */
export function chatPage(options: { devLogin: boolean }) {
  return new Hono().get('/', (c) =>
    c.html(
      <PageLayout title="Switchyard chat" styles={styles}>
        <aside>
          <h3>Conversations</h3>
          <button id="new" type="button">
            New conversation
          </button>
          <ul id="apps" />
          <p class="demo">
            API reference: <a href="/docs">/docs</a>
          </p>
        </aside>
        <main data-dev-login={String(options.devLogin)}>
          <section id="signin">
            <h2>Sign in</h2>
            <form id="signin-form">
              <input
                id="signin-value"
                placeholder={options.devLogin ? 'any user name (dev login)' : 'paste a bearer token'}
                required
              />
              <button type="submit">Sign in</button>
            </form>
            <p id="signin-error" role="alert" hidden />
          </section>
          <section id="main" hidden>
            <h3 id="current">new conversation</h3>
            <div id="messages" />
            <form id="prompt-form">
              <input id="prompt" placeholder="Ask a question, or ask for code or a poem" autocomplete="off" />
              <button type="submit">Send</button>
            </form>
          </section>
        </main>
        <script type="module" src="/assets/chat.js" />
      </PageLayout>,
    ),
  );
}
