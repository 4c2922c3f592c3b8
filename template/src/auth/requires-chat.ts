import { createMiddleware } from 'hono/factory';
import type { ChatMapping } from '../chat/mapping';
import type { Chat } from '../db/chats-repository';
import type { StoredApp } from '../engine';
import type { AppEnv } from '../lib/env';
import { problems } from '../lib/errors';
import { isId } from '../lib/ids';
import type { Access } from './policy';
import { type GraphVariables, loadAuthorized } from './requires';

// Authorization of the chat routes (src/api/chat), declared on each route like requires(…): the
// chat id comes from the path (`{id}`) or, for POST …/chat, from the body's `id` (where
// DefaultChatTransport puts it). The chat's current app is checked with src/auth/policy.ts, so a
// chat follows its app's owner and grants, and one the caller may not see is a 404.

export type ChatVariables = GraphVariables & {
  chatMapping: ChatMapping<unknown>;
  /** The chat the id names, or null when it has had no turn yet. */
  chat: Chat | null;
  /** The chat's current app, or null when neither the chat nor an app with its id exists. */
  chatApp: StoredApp | null;
};

/** The id in the path, or the `id` of a JSON body (a malformed body is left to the validator). */
async function chatIdOf(c: { req: { param(name: string): string | undefined; json(): Promise<unknown> } }) {
  const fromPath = c.req.param('id');
  if (fromPath) return fromPath;
  const body = (await c.req.json().catch(() => null)) as { id?: unknown } | null;
  return typeof body?.id === 'string' ? body.id : undefined;
}

/**
 * Requires `needed` on the chat's app; sets `c.var.chat` and `c.var.chatApp`. With `existing`, an
 * unknown chat is a 404; without it (the POST that starts a chat), it passes with both null.
 */
export function requiresChat(needed: Access, { existing }: { existing: boolean }) {
  return createMiddleware<{ Variables: AppEnv['Variables'] & ChatVariables }>(async (c, next) => {
    const { runner, user } = c.var;
    const { chats, grants } = c.var.services;
    // An id outside the id rule names no chat or app (none can exist): nothing is looked up (a NUL
    // would be a database error, not a miss), and the POST's body validator answers 422 on it.
    const given = await chatIdOf(c);
    const chatId = isId(given) ? given : undefined;
    const chat = chatId ? await chats.get(runner.graph.name, chatId) : null;
    const appId = chat?.appId ?? chatId;
    const found = appId ? await runner.load(appId) : null;
    if (!found && existing) throw problems.notFound();
    c.set('chat', chat);
    c.set('chatApp', found && (await loadAuthorized(runner, grants, user, appId, needed)));
    await next();
  });
}
