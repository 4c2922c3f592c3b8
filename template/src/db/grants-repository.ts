import { and, asc, eq, gt } from 'drizzle-orm';
import type { Permission } from '../auth/policy';
import type { AppKey } from '../engine/persister';
import type { Database } from './client';

export interface Grant {
  subject: string;
  permission: Permission;
  createdAt: Date;
}

/** Sharing grants: which subjects may read or write an app they do not own. */
export class GrantsRepository {
  constructor(private readonly database: Database) {}

  /** The permission a grant gives `subject` on the app, or null without one. */
  async permissionOf(key: AppKey, subject: string): Promise<Permission | null> {
    const { db, tables } = this.database;
    const [row] = await db
      .select({ permission: tables.grants.permission })
      .from(tables.grants)
      .where(and(grantOn(this.database, key), eq(tables.grants.subject, subject)))
      .limit(1);
    return row?.permission ?? null;
  }

  /** Gives `subject` this permission on the app, replacing the one it had. */
  async put(key: AppKey, subject: string, permission: Permission): Promise<Grant> {
    const { db, tables } = this.database;
    const { grants } = tables;
    const [grant] = await db
      .insert(grants)
      .values({ ...key, subject, permission, createdAt: new Date() })
      .onConflictDoUpdate({ target: [grants.graph, grants.appId, grants.subject], set: { permission } })
      .returning({ subject: grants.subject, permission: grants.permission, createdAt: grants.createdAt });
    return grant as Grant;
  }

  /** Removes a grant; false when there was none. */
  async delete(key: AppKey, subject: string): Promise<boolean> {
    const { db, tables } = this.database;
    const removed = await db
      .delete(tables.grants)
      .where(and(grantOn(this.database, key), eq(tables.grants.subject, subject)))
      .returning({ subject: tables.grants.subject });
    return removed.length > 0;
  }

  /**
   * A page of the app's grants, by subject, after the subject `after` (a page, so an app shared
   * with many subjects answers in bounded pieces); `more` says whether another page follows.
   */
  async list(
    key: AppKey,
    page: { limit: number; after?: string },
  ): Promise<{ grants: Grant[]; more: boolean }> {
    const { db, tables } = this.database;
    const rows = await db
      .select({
        subject: tables.grants.subject,
        permission: tables.grants.permission,
        createdAt: tables.grants.createdAt,
      })
      .from(tables.grants)
      .where(
        and(
          grantOn(this.database, key),
          page.after === undefined ? undefined : gt(tables.grants.subject, page.after),
        ),
      )
      .orderBy(asc(tables.grants.subject))
      .limit(page.limit + 1);
    return { grants: rows.slice(0, page.limit), more: rows.length > page.limit };
  }
}

const grantOn = ({ tables }: Database, key: AppKey) =>
  and(eq(tables.grants.graph, key.graph), eq(tables.grants.appId, key.appId));
