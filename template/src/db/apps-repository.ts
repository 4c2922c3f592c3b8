import { and, desc, eq, exists, lt, or, type SQL } from 'drizzle-orm';
import type { StoredApp } from '../engine/persister';
import type { Database } from './client';

export interface AppListQuery {
  graph: string;
  limit: number;
  /** Only apps in this partition. */
  partitionKey?: string;
  /** Only apps this subject owns or holds a grant on; undefined lists all (admin). */
  visibleTo?: string;
  cursor?: string;
}

/** Lists apps newest first, with an opaque cursor (created_at and app_id of the last item). */
export class AppsRepository {
  constructor(private readonly database: Database) {}

  async list(query: AppListQuery): Promise<{ items: Omit<StoredApp, 'state'>[]; nextCursor: string | null }> {
    const { db, tables } = this.database;
    const { apps, grants } = tables;
    const conditions: (SQL | undefined)[] = [eq(apps.graph, query.graph)];
    if (query.partitionKey !== undefined) conditions.push(eq(apps.partitionKey, query.partitionKey));
    if (query.visibleTo !== undefined) {
      const granted = db
        .select({ subject: grants.subject })
        .from(grants)
        .where(
          and(
            eq(grants.graph, apps.graph),
            eq(grants.appId, apps.appId),
            eq(grants.subject, query.visibleTo),
          ),
        );
      conditions.push(or(eq(apps.partitionKey, query.visibleTo), exists(granted)));
    }
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    if (cursor) {
      conditions.push(
        or(
          lt(apps.createdAt, cursor.createdAt),
          and(eq(apps.createdAt, cursor.createdAt), lt(apps.appId, cursor.appId)),
        ),
      );
    }
    const rows = await db
      .select({
        graph: apps.graph,
        appId: apps.appId,
        partitionKey: apps.partitionKey,
        sequenceId: apps.sequenceId,
        position: apps.position,
        parentAppId: apps.parentAppId,
        parentSequenceId: apps.parentSequenceId,
        createdAt: apps.createdAt,
        updatedAt: apps.updatedAt,
      })
      .from(apps)
      .where(and(...conditions))
      .orderBy(desc(apps.createdAt), desc(apps.appId))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ parentAppId, parentSequenceId, ...row }) => ({
        ...row,
        parent:
          parentAppId !== null && parentSequenceId !== null
            ? { appId: parentAppId, sequenceId: parentSequenceId }
            : null,
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.appId) : null,
    };
  }
}

const encodeCursor = (createdAt: Date, appId: string) =>
  Buffer.from(JSON.stringify([createdAt.getTime(), appId])).toString('base64url');

/** A cursor `list` returned (base64url JSON `[created_at ms, app_id]`), or null for anything else. */
export function decodeCursor(cursor: string): { createdAt: Date; appId: string } | null {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const [time, appId] = Array.isArray(decoded) && decoded.length === 2 ? decoded : [];
    return Number.isSafeInteger(time) && typeof appId === 'string'
      ? { createdAt: new Date(time), appId }
      : null;
  } catch {
    return null;
  }
}
