import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client';
import { compactApps } from '../../src/db/compaction';
import { compactOnce, PruneSchedule, pruneOnce } from '../../src/db/prune-schedule';
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

/** The CLI's environment: this database, neither retention setting (the flags give them). */
const cliEnv = (url: string) => ({
  ...process.env,
  DATABASE_URL: url,
  JWT_SECRET: 'x'.repeat(32),
  STEP_RETENTION_DAYS: '',
  STEP_KEEP_LAST: '',
});

describe('npm run db:prune', () => {
  it('prunes by --days and refuses to run without a retention', async () => {
    const testDb = sqliteDatabase();
    const database = await oldApp(testDb.url, 'stale');
    const env = cliEnv(testDb.url);
    try {
      const refused = await run('npx', ['tsx', 'src/db/prune-cli.ts'], { env }).catch((error) => error);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('STEP_RETENTION_DAYS');
      expect(refused.stderr).toContain('STEP_KEEP_LAST');
      const { stdout } = await run('npx', ['tsx', 'src/db/prune-cli.ts', '--days', '5'], { env });
      expect(stdout).toContain('Pruned 1 apps');
      const { db, tables } = database;
      expect(await db.select().from(tables.apps).where(eq(tables.apps.appId, 'stale'))).toEqual([]);
    } finally {
      await database.close();
      await testDb.drop();
    }
  }, 60_000);

  it('compacts by --keep-last, and refuses a count that is not a whole number above 0', async () => {
    const testDb = sqliteDatabase();
    const database = await oldApp(testDb.url, 'long');
    const env = cliEnv(testDb.url);
    const { db, tables } = database;
    try {
      await addSteps(database, 'long', 60);
      const refused = await run('npx', ['tsx', 'src/db/prune-cli.ts', '--keep-last', '0'], { env }).catch(
        (error) => error,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('--keep-last must be a whole number above 0');
      const { stdout } = await run('npx', ['tsx', 'src/db/prune-cli.ts', '--keep-last', '50'], { env });
      expect(stdout).toContain('Compacted 1 apps to their last 50 steps (10 older steps removed).');
      const left = await db.select({ sequenceId: tables.steps.sequenceId }).from(tables.steps);
      expect(left.map((step) => step.sequenceId).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, index) => index + 11),
      );
      const [app] = await db.select().from(tables.apps).where(eq(tables.apps.appId, 'long'));
      expect(app).toMatchObject({ originSequenceId: 10, originState: { prompt: 'question 10' } });
    } finally {
      await database.close();
      await testDb.drop();
    }
  }, 60_000);
});

/** `count` committed prompt steps on an app, each setting `prompt` to `question <its sequence>`. */
async function addSteps(database: Database, appId: string, count: number) {
  const { db, tables } = database;
  const at = new Date();
  await db.insert(tables.steps).values(
    Array.from({ length: count }, (_, index) => ({
      graph: 'chatbot',
      appId,
      sequenceId: index + 1,
      action: 'prompt',
      inputs: {},
      result: null,
      writes: [{ op: 'set' as const, key: 'prompt', value: `question ${index + 1}` }],
      snapshot: null,
      status: 'committed' as const,
      error: null,
      startedAt: at,
      endedAt: at,
      durationMs: 1,
    })),
  );
  await db
    .update(tables.apps)
    .set({ sequenceId: count, position: 'prompt' })
    .where(eq(tables.apps.appId, appId));
}

describe('the prune schedule', () => {
  it('compacts every long app when it looks at a few apps a statement', async () => {
    const testDb = sqliteDatabase();
    const database = await oldApp(testDb.url, 'short');
    try {
      const long = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      await insertApps(
        database,
        long.map((appId) => ({ graph: 'chatbot', appId, partitionKey: 'alice', at: new Date() })),
      );
      for (const appId of long) await addSteps(database, appId, 12);
      expect(await compactApps(database, { keepLast: 10, appsPerBatch: 2, stepsPerBatch: 1 })).toEqual({
        apps: 7,
        steps: 14,
      });
      const { db, tables } = database;
      const apps = await db.select().from(tables.apps).orderBy(tables.apps.appId);
      expect(apps.map((app) => [app.appId, app.originSequenceId])).toEqual([
        ...long.map((appId) => [appId, 2]),
        ['short', 0],
      ]);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });

  it('removes idle apps and compacts long ones in one run, as the server does hourly', async () => {
    const testDb = sqliteDatabase();
    const database = await oldApp(testDb.url, 'stale');
    try {
      await insertApps(database, [
        { graph: 'chatbot', appId: 'long', partitionKey: 'alice', at: new Date() },
      ]);
      await addSteps(database, 'long', 80);
      const schedule = new PruneSchedule(database, { days: 5, keepLast: 30 }, pino({ level: 'silent' }));
      await schedule.runNow();
      await schedule.stop();
      const { db, tables } = database;
      const apps = await db.select().from(tables.apps);
      expect(apps.map((app) => [app.appId, app.originSequenceId])).toEqual([['long', 50]]);
      expect(await db.select().from(tables.steps)).toHaveLength(30);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
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
        expect(await compactOnce(database, 50)).toBeNull();
        await other.query('select pg_advisory_unlock(7402114)');
        expect(await pruneOnce(database, 5)).toEqual({ apps: 1, steps: 0, runs: 0 });
      } finally {
        await other.end();
        await database.close();
        await testDb.drop();
      }
    });
  });
