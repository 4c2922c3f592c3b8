import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import { pruneOnce } from '../../src/db/prune-schedule';
import { insertApps } from '../helpers/app-rows';
import { postgresDatabase, sqliteDatabase } from '../helpers/databases';

const run = promisify(execFile);
const DAY = 24 * 60 * 60_000;

async function oldApp(url: string, appId: string) {
  const database = await createDatabase(url);
  await database.migrate();
  await insertApps(database, [
    { graph: 'chatbot', appId, partitionKey: 'alice', at: new Date(Date.now() - 10 * DAY) },
  ]);
  return database;
}

describe('npm run db:prune', () => {
  it('prunes by --days and refuses to run without a retention', async () => {
    const testDb = sqliteDatabase();
    const database = await oldApp(testDb.url, 'stale');
    const env = {
      ...process.env,
      DATABASE_URL: testDb.url,
      JWT_SECRET: 'x'.repeat(32),
      STEP_RETENTION_DAYS: '',
    };
    try {
      const refused = await run('npx', ['tsx', 'src/db/prune-cli.ts'], { env }).catch((error) => error);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('STEP_RETENTION_DAYS');
      const { stdout } = await run('npx', ['tsx', 'src/db/prune-cli.ts', '--days', '5'], { env });
      expect(stdout).toContain('Pruned 1 apps');
      const { db, tables } = database;
      expect(await db.select().from(tables.apps).where(eq(tables.apps.appId, 'stale'))).toEqual([]);
    } finally {
      await database.close();
      await testDb.drop();
    }
  }, 60_000);
});

const postgresUrl = process.env.TEST_DATABASE_URL;
// Registered only with a Postgres to test on, as helpers/databases.ts does for the dialect suites.
if (postgresUrl)
  describe('the scheduled prune on Postgres', () => {
    it('skips while another instance holds the prune lock, and prunes once it is free', async () => {
      const testDb = await postgresDatabase(postgresUrl as string);
      const database = await oldApp(testDb.url, 'stale');
      const other = new pg.Client({ connectionString: testDb.url });
      await other.connect();
      try {
        await other.query('select pg_advisory_lock(7402114)');
        expect(await pruneOnce(database, 5)).toBeNull();
        await other.query('select pg_advisory_unlock(7402114)');
        expect(await pruneOnce(database, 5)).toEqual({ apps: 1, steps: 0, runs: 0 });
      } finally {
        await other.end();
        await database.close();
        await testDb.drop();
      }
    });
  });
