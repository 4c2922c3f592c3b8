import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppListQuery, AppsRepository } from '../../src/db/apps-repository';
import type { Database } from '../../src/db/client';
import { GrantsRepository } from '../../src/db/grants-repository';
import { insertApps } from '../helpers/app-rows';
import { dialects, type TestDatabase } from '../helpers/databases';

describe.each(dialects)('AppsRepository and GrantsRepository on $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  let apps: AppsRepository;
  let grants: GrantsRepository;

  /** Apps created a second apart, so newest first has one answer. */
  const seed = async (rows: { appId: string; partitionKey: string; graph?: string }[]) => {
    const start = Date.UTC(2026, 0, 1);
    await insertApps(
      database,
      rows.map((row, index) => ({
        graph: row.graph ?? 'chat',
        appId: row.appId,
        partitionKey: row.partitionKey,
        sequenceId: index,
        at: new Date(start + index * 1000),
      })),
    );
  };

  /** Every page of a listing, following next_cursor. */
  const everything = { all: true } as const;
  const listAll = async (query: Omit<AppListQuery, 'cursor' | 'visibility'> & Partial<AppListQuery>) => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await apps.list({ visibility: everything, ...query, cursor });
      pages.push(page.items.map((app) => app.appId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return pages;
  };

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
    apps = new AppsRepository(database);
    grants = new GrantsRepository(database);
    await seed([
      { appId: 'a1', partitionKey: 'alice' },
      { appId: 'b1', partitionKey: 'bob' },
      { appId: 'a2', partitionKey: 'alice' },
      { appId: 'b2', partitionKey: 'bob' },
      { appId: 'a3', partitionKey: 'alice' },
      { appId: 'c1', partitionKey: 'carol' },
      { appId: 'x1', partitionKey: 'alice', graph: 'other' },
    ]);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it('lists the apps of one graph newest first, page by page, without state', async () => {
    expect(await listAll({ graph: 'chat', limit: 2 })).toEqual([
      ['c1', 'a3'],
      ['b2', 'a2'],
      ['b1', 'a1'],
    ]);
    const page = await apps.list({ graph: 'chat', limit: 1, visibility: everything });
    expect(page.items[0]).toEqual({
      graph: 'chat',
      appId: 'c1',
      partitionKey: 'carol',
      sequenceId: 5,
      position: null,
      parent: null,
      createdAt: new Date(Date.UTC(2026, 0, 1) + 5000),
      updatedAt: new Date(Date.UTC(2026, 0, 1) + 5000),
    });
    expect((await apps.list({ graph: 'chat', limit: 10, visibility: everything })).nextCursor).toBeNull();
  });

  it('filters by partition key', async () => {
    expect(await listAll({ graph: 'chat', limit: 2, partitionKey: 'alice' })).toEqual([['a3', 'a2'], ['a1']]);
    expect(await listAll({ graph: 'chat', limit: 2, partitionKey: 'nobody' })).toEqual([[]]);
  });

  it('shows a subject its own apps and those shared with it, and keeps pagination across both', async () => {
    expect(
      await listAll({ graph: 'chat', limit: 10, visibility: { all: false, ownerOrGrantee: 'bob' } }),
    ).toEqual([['b2', 'b1']]);
    await grants.put({ graph: 'chat', appId: 'a2' }, 'bob', 'read');
    await grants.put({ graph: 'chat', appId: 'c1' }, 'bob', 'write');
    // A grant on an app of another graph shows nothing here.
    await grants.put({ graph: 'other', appId: 'x1' }, 'bob', 'write');
    expect(
      await listAll({ graph: 'chat', limit: 2, visibility: { all: false, ownerOrGrantee: 'bob' } }),
    ).toEqual([
      ['c1', 'b2'],
      ['a2', 'b1'],
    ]);
    expect(
      await listAll({
        graph: 'chat',
        limit: 10,
        visibility: { all: false, ownerOrGrantee: 'bob' },
        partitionKey: 'alice',
      }),
    ).toEqual([['a2']]);
    expect(
      await listAll({ graph: 'chat', limit: 10, visibility: { all: false, ownerOrGrantee: 'dave' } }),
    ).toEqual([[]]);
  });

  it('keeps, changes, lists and removes grants', async () => {
    const key = { graph: 'chat', appId: 'a1' };
    expect(await grants.permissionOf(key, 'dave')).toBeNull();
    const granted = await grants.put(key, 'dave', 'read');
    expect(granted).toMatchObject({ subject: 'dave', permission: 'read' });
    expect(granted.createdAt).toBeInstanceOf(Date);
    expect(await grants.permissionOf(key, 'dave')).toBe('read');
    expect(await grants.put(key, 'dave', 'write')).toMatchObject({ subject: 'dave', permission: 'write' });
    await grants.put(key, 'carol', 'read');
    const page = await grants.list(key, { limit: 10 });
    expect(page.grants.map((grant) => [grant.subject, grant.permission])).toEqual([
      ['carol', 'read'],
      ['dave', 'write'],
    ]);
    expect(page.more).toBe(false);
    // In pages by subject: each grant once, and `more` until the last.
    const first = await grants.list(key, { limit: 1 });
    expect([first.grants.map((grant) => grant.subject), first.more]).toEqual([['carol'], true]);
    const second = await grants.list(key, { limit: 1, after: 'carol' });
    expect([second.grants.map((grant) => grant.subject), second.more]).toEqual([['dave'], false]);
    // Grants are per app: the same subject has nothing on another app.
    expect(await grants.permissionOf({ graph: 'chat', appId: 'a3' }, 'dave')).toBeNull();
    expect(await grants.delete(key, 'dave')).toBe(true);
    expect(await grants.delete(key, 'dave')).toBe(false);
    expect(await grants.permissionOf(key, 'dave')).toBeNull();
    expect((await grants.list(key, { limit: 10 })).grants.map((grant) => grant.subject)).toEqual(['carol']);
  });

  it('starts from the first page when the cursor is not one of its own', async () => {
    expect(
      (await apps.list({ graph: 'chat', limit: 1, cursor: 'not-a-cursor', visibility: everything })).items[0]
        ?.appId,
    ).toBe('c1');
  });
});
