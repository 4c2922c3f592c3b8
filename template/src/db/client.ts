import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Logger } from '../lib/logger';
import type * as pgTables from './schema.pg';
import type * as sqliteTables from './schema.sqlite';

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

/**
 * Opens the database DATABASE_URL names: `file:./data/app.db` (or `file:///abs/app.db`) is SQLite,
 * `postgres://…` / `postgresql://…` is Postgres. Nothing is created in it until migrate().
 */
export async function createDatabase(url: string, logger?: Logger): Promise<Database> {
  // Each dialect's driver is loaded only when it is the one in use: an instance on SQLite never
  // holds pg (about 15 MiB resident) in memory, nor one on Postgres better-sqlite3.
  if (url.startsWith('file:')) {
    const { openSqlite } = await import('./sqlite-client');
    return openSqlite(url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length), logger);
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgres } = await import('./postgres-client');
    return openPostgres(url, logger);
  }
  throw new Error(
    `DATABASE_URL must start with file: (SQLite) or postgres:// (Postgres), not ${url.split(':')[0]}:`,
  );
}
