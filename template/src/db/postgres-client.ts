import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from '../lib/logger';
import { projectPath } from '../lib/project-dir';
import type { Database } from './client';
import * as pgTables from './schema.pg';

// The Postgres side of createDatabase (client.ts), loaded only for a postgres:// DATABASE_URL.

const migrationsFolder = projectPath('drizzle', 'pg');

/** Any fixed number works; instances that share the database agree on it. */
const MIGRATION_LOCK = 7_402_113;

export function openPostgres(url: string, logger?: Logger): Database {
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
        await migratePg(drizzlePg(client), { migrationsFolder: migrationsFolder });
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
