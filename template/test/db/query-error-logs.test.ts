// A failed query is logged by its shape, never with its bound values (users' prompts and ids), on
// SQLite and Postgres, whether the failed query is the logged error or the cause of another.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { logSerializers } from '../../src/lib/log-errors';
import { dialects, type TestDatabase } from '../helpers/databases';

const SECRET = 'my-private-prompt-text';

// better-sqlite3's errors carry no values (drizzle does not wrap them); node-postgres' do, in the
// DrizzleQueryError drizzle wraps them in. Both must log without them.
describe.each(dialects)('a failed query on $name', ({ name, create }) => {
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  /** What a logger with the app's serializers writes for `fields`. */
  function logged(fields: Record<string, unknown>) {
    let text = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    pino({ serializers: logSerializers }, sink).error(fields, 'it failed');
    return text;
  }

  /** A query that fails after binding SECRET: the same run id inserted twice. */
  async function failedQuery(): Promise<Error> {
    const { db, tables } = database;
    const row = {
      runId: 'same-id',
      graph: 'chatbot',
      appId: 'a',
      action: 'prompt',
      inputs: { prompt: SECRET },
      status: 'queued' as const,
      error: null,
      createdBy: 'alice',
      attempt: 0,
      createdAt: new Date(),
      lastEventId: 0,
    };
    await db.insert(tables.runs).values(row).onConflictDoNothing();
    return db
      .insert(tables.runs)
      .values(row)
      .then(
        () => new Error('the insert did not fail'),
        (error: Error) => error,
      );
  }

  it('keeps the SQL and the driver message and drops the values', async () => {
    const error = await failedQuery();
    if (name === 'postgres') expect(String(error.message)).toContain(SECRET); // drizzle's message
    const line = logged({ err: error });
    expect(line).not.toContain(SECRET);
    const { err } = JSON.parse(line);
    if (name === 'postgres') {
      expect(err.query).toMatch(/insert into "runs"/i);
      expect(err.cause.message).toMatch(/duplicate key/i);
    } else {
      expect(err.message).toMatch(/UNIQUE constraint failed/);
    }
  });

  it('drops them when the failed query is the cause of another error', async () => {
    const outer = new Error('could not queue the run', { cause: await failedQuery() });
    const line = logged({ err: outer });
    expect(line).not.toContain(SECRET);
    const { err } = JSON.parse(line);
    expect(err.message).toMatch(/^could not queue the run/);
    if (name === 'postgres') expect(err.cause.query).toMatch(/insert into "runs"/i);
  });
});
