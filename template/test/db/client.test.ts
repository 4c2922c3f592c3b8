import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import { dialects, type TestDatabase } from '../helpers/databases';

/** The committed migrations (both dialects have the same ones). */
const migrationCount = (
  JSON.parse(readFileSync(new URL('../../drizzle/sqlite/meta/_journal.json', import.meta.url), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

describe.each(dialects)('createDatabase on $name', ({ create }) => {
  const created: TestDatabase[] = [];
  const fresh = async () => {
    const testDb = await create();
    created.push(testDb);
    return testDb;
  };
  afterAll(async () => {
    for (const testDb of created) await testDb.drop();
  });

  it('applies the migrations from two instances starting at once, and again without change', async () => {
    const testDb = await fresh();
    const [first, second] = await Promise.all([testDb.open(), testDb.open()]);
    await Promise.all([first.migrate(), second.migrate()]);
    const now = new Date();
    await first.db.insert(first.tables.grants).values({
      graph: 'g',
      appId: 'a',
      subject: 'bob',
      permission: 'read',
      createdAt: now,
    });
    await Promise.all([first.migrate(), second.migrate()]);
    // Nothing was dropped or recreated, and each migration is recorded once.
    const grants = await second.db.select().from(second.tables.grants);
    expect(grants.map((grant) => grant.subject)).toEqual(['bob']);
    const count =
      second.sqlite?.get<{ count: number }>(sql`select count(*) as count from __drizzle_migrations`).count ??
      (
        await second.db.execute<{ count: string }>(
          sql`select count(*) as count from drizzle.__drizzle_migrations`,
        )
      ).rows[0]?.count;
    expect(Number(count)).toBe(migrationCount);
    await Promise.all([first.close(), second.close()]);
  });

  it('answers ping while open, fails it after close, and closes twice without error', async () => {
    const testDb = await fresh();
    const own = await testDb.open();
    await own.ping();
    await own.close();
    await expect(own.ping()).rejects.toThrow();
    await own.close();
  });
});

describe('createDatabase on SQLite files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-client-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the missing folder and sets WAL, busy timeout and synchronous', async () => {
    const file = join(dir, 'nested', 'data', 'app.db');
    const database = await createDatabase(`file:${file}`);
    expect(existsSync(file)).toBe(true);
    const client = database.sqlite?.$client;
    expect(client?.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(client?.pragma('busy_timeout', { simple: true })).toBe(5000);
    // 1 = NORMAL (see client.ts for why not FULL).
    expect(client?.pragma('synchronous', { simple: true })).toBe(1);
    await database.close();
  });

  it('accepts a file:// URL', async () => {
    const file = join(dir, 'url', 'app.db');
    const database = await createDatabase(pathToFileURL(file).href);
    await database.migrate();
    await database.ping();
    expect(existsSync(file)).toBe(true);
    await database.close();
  });

  it('refuses a URL of another kind', async () => {
    await expect(createDatabase('mysql://localhost/app')).rejects.toThrow(/must start with file:/);
  });
});
