import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from '../lib/logger';
import { projectPath } from '../lib/project-dir';
import * as pgTables from './schema.pg';
import * as sqliteTables from './schema.sqlite';

/**
 * The queries of this project are written once, against drizzle's Postgres builder types. The SQLite
 * tables mirror the Postgres ones column for column with the same TypeScript types (see
 * schema-parity.test.ts), and drizzle's builders share their surface, so `db` and `tables` below are
 * the dialect's own objects seen through the Postgres types. What does differ: transactions
 * (better-sqlite3 runs them synchronously, hence `sqlite`), `db.execute` (Postgres only) and
 * `.for('update')` (Postgres only); code that needs them checks `dialect` or `sqlite`.
 */
export type Tables = typeof pgTables;
export type Db = NodePgDatabase<Tables>;

export interface Database {
  dialect: 'sqlite' | 'postgres';
  db: Db;
  tables: Tables;
  /** The SQLite handle for synchronous transactions; null on Postgres. */
  sqlite: (BetterSQLite3Database<typeof sqliteTables> & { $client: BetterSqlite3.Database }) | null;
  /** Applies the committed migrations (drizzle/sqlite or drizzle/pg). Safe to run from several instances. */
  migrate(): Promise<void>;
  /** Runs a query; throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrations = (dialect: 'sqlite' | 'pg') => projectPath('drizzle', dialect);

/**
 * Opens the database DATABASE_URL names: `file:./data/app.db` (or `file:///abs/app.db`) is SQLite,
 * `postgres://…` / `postgresql://…` is Postgres. Nothing is created in it until migrate().
 */
export async function createDatabase(url: string, logger?: Logger): Promise<Database> {
  if (url.startsWith('file:')) {
    return openSqlite(url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length), logger);
  }
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, logger);
  throw new Error(
    `DATABASE_URL must start with file: (SQLite) or postgres:// (Postgres), not ${url.split(':')[0]}:`,
  );
}

function openSqlite(path: string, logger?: Logger): Database {
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
        migrateSqlite(sqlite, { migrationsFolder: migrations('sqlite') });
      } catch (error) {
        // drizzle reads the applied migrations before it takes the write lock, so a second process
        // migrating the same file at the same moment fails on "table already exists". Once the
        // other's migration is committed, a second pass finds nothing left to do; a real error
        // fails again and is thrown.
        logger?.warn({ err: error }, 'SQLite migration failed; retrying once');
        migrateSqlite(sqlite, { migrationsFolder: migrations('sqlite') });
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

/** Any fixed number works; instances that share the database agree on it. */
const MIGRATION_LOCK = 7_402_113;

function openPostgres(url: string, logger?: Logger): Database {
  // connectionTimeoutMillis: a database that does not answer fails ping() (and /readyz) in seconds
  // instead of leaving the probe hanging.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  let closed = false;
  pool.on('error', (error) => logger?.error({ err: error }, 'idle Postgres client failed'));
  const db = drizzlePg(pool, { schema: pgTables });
  return {
    dialect: 'postgres',
    db,
    tables: pgTables,
    sqlite: null,
    async migrate() {
      // Two instances starting at once must not both apply the same migration.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await migratePg(drizzlePg(client), { migrationsFolder: migrations('pg') });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
        client.release();
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
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
