import { and, desc, eq, exists, lt, or, type SQL } from 'drizzle-orm';
import type { AppVisibility } from '../auth/policy';
import type { StoredApp } from '../engine/persister';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import type { Database } from './client';

export interface AppListQuery {
  graph: string;
  limit: number;
  /** Only apps in this partition. */
  partitionKey?: string;
  /** Which apps the caller may see (src/auth/policy.ts). */
  visibility: AppVisibility;
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
    if (!query.visibility.all) {
      const subject = query.visibility.ownerOrGrantee;
      const granted = db
        .select({ subject: grants.subject })
        .from(grants)
        .where(and(eq(grants.graph, apps.graph), eq(grants.appId, apps.appId), eq(grants.subject, subject)));
      conditions.push(or(eq(apps.partitionKey, subject), exists(granted)));
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
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor({ createdAt: last.createdAt, appId: last.appId })
          : null,
    };
  }
}
