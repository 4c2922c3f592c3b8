// Signing in from a page's browser script, as the chat page does: the bearer token lives in
// localStorage under one key (shared by every page of this origin), from the dev-token route
// (AUTH_DEV_LOGIN) or pasted. Bundled into the scripts that import it.
import { ApiError, createClient } from '../client';

export const TOKEN_KEY = 'switchyard.token';

/** Asks the dev-token route for a token; throws with the server's reason when it refuses. */
export async function devToken(sub: string): Promise<string> {
  const response = await fetch('/auth/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; detail?: string };
  if (!response.ok || !body.token)
    throw new Error(`Sign-in refused (${response.status}): ${body.detail ?? response.statusText}`);
  return body.token;
}

/** Keeps the token once the API accepts it (a cheap list call); throws a readable reason if not. */
export async function acceptToken(token: string): Promise<string> {
  try {
    await createClient(location.origin, { token }).chatbot.list({ limit: 1 });
  } catch (error) {
    localStorage.removeItem(TOKEN_KEY);
    if (error instanceof ApiError && error.status === 401)
      throw new Error('That token was not accepted (wrong, or expired): sign in again.');
    throw error;
  }
  localStorage.setItem(TOKEN_KEY, token);
  return token;
}

/**
 * Wires a page's sign-in form (#signin-form, #signin-value, #signin-error) and calls `start` with a
 * token: at once when one is saved, else after the form signs in.
 */
export function withSignIn(devLogin: boolean, start: (token: string) => void | Promise<void>) {
  const form = document.querySelector('#signin-form') as HTMLFormElement;
  const errorLine = document.querySelector('#signin-error') as HTMLElement;
  const section = document.querySelector('#signin') as HTMLElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errorLine.hidden = true;
    const value = (document.querySelector('#signin-value') as HTMLInputElement).value.trim();
    try {
      const token = await acceptToken(devLogin ? await devToken(value) : value);
      section.hidden = true;
      await start(token);
    } catch (error) {
      errorLine.textContent =
        error instanceof ApiError ? (error.problem.detail ?? error.message) : String(error);
      errorLine.hidden = false;
    }
  });
  const saved = localStorage.getItem(TOKEN_KEY);
  if (saved) {
    section.hidden = true;
    void start(saved);
  } else section.hidden = false;
}
