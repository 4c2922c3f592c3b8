import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from '../lib/logger';
import { projectPath } from '../lib/project-dir';
import type { Database, Db, Tables } from './client';
import * as sqliteTables from './schema.sqlite';

// The SQLite side of createDatabase (client.ts), loaded only for a file: DATABASE_URL.

const migrationsFolder = projectPath('drizzle', 'sqlite');

export function openSqlite(path: string, logger?: Logger): Database {
  // The folder of the default file:./data/app.db does not exist in a fresh checkout.
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const client = new BetterSqlite3(path);
  client.pragma('journal_mode = WAL');
  // WAL with synchronous=NORMAL never corrupts the database and never loses a step to a process
  // crash (SIGKILL); only a power loss may drop the last commits. FULL would fsync every step.
  client.pragma('synchronous = NORMAL');
  client.pragma('busy_timeout = 5000');
  client.pragma('foreign_keys = ON');
  cacheStatements(client);
  const sqlite = drizzleSqlite(client, { schema: sqliteTables });
  logger?.debug({ path }, 'opened SQLite');
  return {
    dialect: 'sqlite',
    db: sqlite as unknown as Db,
    tables: sqliteTables as unknown as Tables,
    sqlite,
    async migrate() {
      try {
        migrateSqlite(sqlite, { migrationsFolder: migrationsFolder });
      } catch (error) {
        // drizzle reads the applied migrations before it takes the write lock, so a second process
        // migrating the same file at the same moment fails on "table already exists". Once the
        // other's migration is committed, a second pass finds nothing left to do; a real error
        // fails again and is thrown.
        logger?.warn({ err: error }, 'SQLite migration failed; retrying once');
        migrateSqlite(sqlite, { migrationsFolder: migrationsFolder });
      }
    },
    async ping() {
      client.prepare('select 1').get();
    },
    async close() {
      if (client.open) client.close();
    },
  };
}

/**
 * drizzle prepares every query it runs anew, and preparing costs more than running a small query.
 * better-sqlite3 statements are reusable, so keep one per SQL text (the text is the same whenever
 * the query is: values are bound as parameters).
 */
function cacheStatements(client: BetterSqlite3.Database, maxStatements = 500) {
  const prepare = client.prepare.bind(client);
  const statements = new Map<string, BetterSqlite3.Statement>();
  client.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      statement = prepare(source);
      if (statements.size < maxStatements) statements.set(source, statement);
    } else if (statement.reader) {
      // drizzle switches row statements to raw arrays for its own mapping; start each use in the default mode.
      statement.raw(false);
    }
    return statement;
  }) as typeof client.prepare;
}
