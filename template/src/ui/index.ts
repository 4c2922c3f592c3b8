import type { Hono } from 'hono';
import type { AnyGraph } from '../engine';
import type { AppEnv } from '../lib/env';
import { aiChatPage } from './ai-chat-page';
import { assetRoutes } from './assets';
import { chatPage } from './chat-page';
import { docsPage } from './docs-page';
import { trackingPages } from './tracking-pages';

/** The pages (chat, the AI SDK chat, the apps list and step viewer, /docs) and their scripts. */
export function mountPages(app: Hono<AppEnv>, graphs: AnyGraph[], options: { devLogin: boolean }) {
  app.route('/', chatPage(options));
  app.route('/', aiChatPage());
  app.route('/', trackingPages(graphs, options));
  app.route('/', docsPage());
  app.route('/', assetRoutes());
}
