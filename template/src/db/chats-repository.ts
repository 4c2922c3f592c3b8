import { and, eq } from 'drizzle-orm';
import type { Database } from './client';

/** A chat (src/api/chat): which app holds its conversation now, and the run of its latest turn. */
export interface Chat {
  graph: string;
  chatId: string;
  appId: string;
  lastRunId: string | null;
}

/** The chats of the AI SDK flavor: a chat id stays put while regenerating moves it to a fork. */
export class ChatsRepository {
  constructor(private readonly database: Database) {}

  async get(graph: string, chatId: string): Promise<Chat | null> {
    const { db, tables } = this.database;
    const [row] = await db
      .select()
      .from(tables.chats)
      .where(and(eq(tables.chats.graph, graph), eq(tables.chats.chatId, chatId)))
      .limit(1);
    return row ? { graph: row.graph, chatId: row.chatId, appId: row.appId, lastRunId: row.lastRunId } : null;
  }

  /** Records the chat's current app and its latest turn (inserting the chat on its first turn). */
  async save(chat: Chat): Promise<void> {
    const { db, tables } = this.database;
    const values = { ...chat, updatedAt: new Date() };
    await db
      .insert(tables.chats)
      .values(values)
      .onConflictDoUpdate({
        target: [tables.chats.graph, tables.chats.chatId],
        set: { appId: chat.appId, lastRunId: chat.lastRunId, updatedAt: values.updatedAt },
      });
  }
}
